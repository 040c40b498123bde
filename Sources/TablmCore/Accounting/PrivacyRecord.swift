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
    /// The row count DP-SGD's rate was taken over: released (the prior's noisy total, the balanced
    /// groups' counts, a count of its own) or declared public, never the true count; a later run
    /// (`export`, `--resume`) takes it rather than release another. nil in older records.
    public var rateRows: Double?
    /// true when the run's noise came from a seed (`--insecure-seed`, for tests and reproductions):
    /// the noise is predictable and the guarantee does not hold, whatever `epsilon` says. nil: drawn
    /// from the system's entropy. A run that continues such a checkpoint keeps it.
    public var insecureSeed: Bool?
    /// The Rényi order of the run's filter (`PrivacyAccountant.filterOrder`), fixed by its target
    /// before any release: `epsilon` is then the target, and the events compose at this order to it
    /// or less. nil: the events' composition is the guarantee (records before 0.44 always).
    public var filterOrder: Double?

    /// The accountant whose bound `epsilon` is: `accountant`, or RDP where the events hold AIM's
    /// adaptive rounds (`PrivacyAccountant.composesAdaptively`) or the run was a filter.
    public var composedBy: String { recordedAccountant?.composedBy.rawValue ?? accountant }

    /// How `epsilon` composes, for messages (`PrivacyAccountant.compositionName`).
    public var compositionName: String { recordedAccountant?.compositionName ?? accountant + " accountant" }

    private var recordedAccountant: PrivacyAccountant? {
        PrivacyAccountant.Method(rawValue: accountant).map {
            var accountant = PrivacyAccountant(method: $0, history: events ?? [])
            accountant.filterOrder = filterOrder
            return accountant
        }
    }

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
        case targetEpsilon = "target_epsilon", events, prior, rateRows = "rate_rows", insecureSeed = "insecure_seed", filterOrder = "filter_order"
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
    /// The row count the fit implies (noisy: post-processing of the measurements), which DP-SGD's
    /// sampling rate and the prior's steps are sized by; nil in checkpoints written before.
    public var noisyRows: Int?
    /// The fit's joint of the target with each categorical column, released with the checkpoint:
    /// post-processing of the noisy measurements, so it costs nothing. `generate` matches the target's
    /// rate in each group to it (DP-SGD's clipping and noise bias the rarer class down). Empty in
    /// checkpoints written before it was kept.
    public var released: [ReleasedMarginal] = []

    /// A joint distribution over categorical columns: each column's cells in the schema's order of
    /// its categories, then missing where allowed; the last column varying fastest.
    public struct ReleasedMarginal: Codable, Sendable, Equatable {
        public var columns: [String]
        public var probabilities: [Double]

        public init(columns: [String], probabilities: [Double]) {
            self.columns = columns
            self.probabilities = probabilities
        }

        /// P(value of the second column | cell of the first): [first's cell][second's cell], for a
        /// joint of two columns whose second has `valueCount` cells; nil when a row sums to 0 or the
        /// sizes do not fit.
        public func conditional(valueCount: Int) -> [[Double]]? {
            guard columns.count == 2, valueCount > 0, probabilities.count % valueCount == 0 else { return nil }
            let rows = stride(from: 0, to: probabilities.count, by: valueCount).map { Array(probabilities[$0..<($0 + valueCount)]) }
            return rows.contains { $0.reduce(0, +) <= 0 || $0.contains { !$0.isFinite || $0 < 0 } } ? nil
                : rows.map { row in row.map { $0 / row.reduce(0, +) } }
        }
    }

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
        case share, rho, measurements, pseudoRows = "pseudo_rows", steps, released, noisyRows = "noisy_rows"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        share = try container.decode(Double.self, forKey: .share)
        rho = try container.decode(Double.self, forKey: .rho)
        measurements = try container.decode([Measurement].self, forKey: .measurements)
        pseudoRows = try container.decode(Int.self, forKey: .pseudoRows)
        steps = try container.decode(Int.self, forKey: .steps)
        released = try container.decodeIfPresent([ReleasedMarginal].self, forKey: .released) ?? []
        noisyRows = try container.decodeIfPresent(Int.self, forKey: .noisyRows)
    }
}
