/// The privacy guarantee of a training run: (epsilon, delta)-DP at the level of one table row. When
/// the schema was estimated under DP, `epsilon`/`delta` are the totals (schema + training, by basic
/// composition) and the schema's share is kept beside them.
public struct PrivacyRecord: Codable, Sendable, Equatable {
    public var epsilon: Double
    public var delta: Double
    public var schemaEpsilon: Double?
    public var schemaDelta: Double?
    public var noiseMultiplier: Double
    public var sampleRate: Double
    public var clipNorm: Double
    public var accountant: String
    /// Group-balanced sampling: the released group counts and rates (`sampleRate` is then the largest
    /// rate, and the count release is part of `epsilon`).
    public var balance: GroupBalancedSampling?
    /// The target the run was calibrated for.
    public var targetEpsilon: Double?
    /// Every mechanism the accountant composed, in order (count release, the prior's measurements and
    /// selections, DP-SGD steps): `epsilon` is their composition at `delta` (less the schema's δ), plus
    /// the schema's ε. `tablm privacy epsilon --checkpoint` recomputes it.
    public var events: [PrivacyEvent]?
    /// The marginal prior, when the run had one.
    public var prior: PriorRecord?

    /// The events, or for records written before they were kept, the count release and the DP-SGD
    /// steps (`steps` from the training record).
    public func events(steps: Int) -> [PrivacyEvent] {
        if let events { return events }
        return (balance.map { [$0.countRelease] } ?? []) + [PrivacyEvent(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps)]
    }

    public init(epsilon: Double, delta: Double, noiseMultiplier: Double, sampleRate: Double, clipNorm: Double, accountant: String) {
        self.epsilon = epsilon
        self.delta = delta
        self.noiseMultiplier = noiseMultiplier
        self.sampleRate = sampleRate
        self.clipNorm = clipNorm
        self.accountant = accountant
    }

    enum CodingKeys: String, CodingKey {
        case epsilon, delta, schemaEpsilon = "schema_epsilon", schemaDelta = "schema_delta", noiseMultiplier = "noise_multiplier", sampleRate = "sample_rate", clipNorm = "clip_norm", accountant, balance
        case targetEpsilon = "target_epsilon", events, prior
    }
}

/// What the marginal prior released and how the model used it: the budget, the selected marginals
/// (attribute names), the noise of each measurement, and the pseudo-row training.
public struct PriorRecord: Codable, Sendable, Equatable {
    public var share: Double
    public var rho: Double
    /// Each measured marginal's columns and noise σ, in order (1-way first).
    public var measurements: [Measurement]
    public var pseudoRows: Int
    public var steps: Int

    public struct Measurement: Codable, Sendable, Equatable {
        public var columns: [String]
        public var sigma: Double

        public init(columns: [String], sigma: Double) {
            self.columns = columns
            self.sigma = sigma
        }
    }

    public init(share: Double, rho: Double, measurements: [Measurement], pseudoRows: Int, steps: Int) {
        self.share = share
        self.rho = rho
        self.measurements = measurements
        self.pseudoRows = pseudoRows
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case share, rho, measurements, pseudoRows = "pseudo_rows", steps
    }
}
