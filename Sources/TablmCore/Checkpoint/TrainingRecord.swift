import Foundation

/// What a checkpoint says about how it was made: enough to know which data it saw and how far it
/// trained. Written as `training.json` beside the weights.
public struct TrainingRecord: Codable, Sendable, Equatable {
    public var dataSHA256: String?
    public var dataRows: Int?
    public var heldOutRows: Int?
    public var steps: Int
    public var batchSize: Int?
    public var schedule: LearningRateSchedule?
    public var seed: UInt64?
    /// Tokens trained on (not recorded for private runs: it is computed from the rows).
    public var tokensSeen: Int?
    public var trainLoss: Double?
    public var heldOutLoss: Double?
    /// The checkpoint fine-tuning started from, if any.
    public var initializedFrom: String?
    /// Differential privacy of the training, when it was private (nil: not private).
    public var privacy: PrivacyRecord?
    /// The column orders rows were written in, by name (nil: a random order for every use), and
    /// the share of uses in a random order besides them.
    public var columnOrders: [[String]]?
    public var randomOrderShare: Double?
    /// Decay of the parameter average the weights are (`ParameterAverage`; nil: the last iterate).
    public var averageDecay: Double?
    /// Loss weight of the target's value tokens against the other tokens (`RowBatcher.targetWeight`;
    /// nil: 1, every token alike).
    public var targetWeight: Double?

    public init(steps: Int = 0, tokensSeen: Int? = nil) {
        self.steps = steps
        self.tokensSeen = tokensSeen
    }

    enum CodingKeys: String, CodingKey {
        case dataSHA256 = "data_sha256", dataRows = "data_rows", heldOutRows = "held_out_rows", steps
        case batchSize = "batch_size", schedule, seed, tokensSeen = "tokens_seen", trainLoss = "train_loss"
        case heldOutLoss = "held_out_loss", initializedFrom = "initialized_from", privacy, columnOrders = "column_orders", randomOrderShare = "random_order_share"
        case averageDecay = "average_decay", targetWeight = "target_weight"
    }
}

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
    public var events: [PrivacyAccountant.Segment]?
    /// The marginal prior, when the run had one.
    public var prior: PriorRecord?

    /// The events, or for records written before they were kept, the count release and the DP-SGD
    /// steps (`steps` from the training record).
    public func events(steps: Int) -> [PrivacyAccountant.Segment] {
        if let events { return events }
        return (balance.map { [$0.countRelease] } ?? []) + [PrivacyAccountant.Segment(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps)]
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

extension TrainingRecord {
    /// Reads `training.json`: strict JSON, then the values checked against `schema` (`problem`).
    public static func load(path: String, schema: Schema?) throws -> TrainingRecord {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read the training record", at: SourceLocation(file: path)) }
        let record = try SchemaFile.decode(TrainingRecord.self, from: data, path: path)
        if let problem = record.problem(schema: schema) { throw InputError(problem, at: SourceLocation(file: path)) }
        return record
    }

    /// Values no run writes: a record is a file someone hands you, and `--resume`, `generate` and
    /// `privacy epsilon checkpoint` act on what it says.
    public func problem(schema: Schema?) -> String? {
        if steps < 0 { return "steps \(steps) is negative" }
        if let batchSize, batchSize < 1 { return "batch_size \(batchSize) is not positive" }
        if let share = randomOrderShare, !(0...1).contains(share) { return "random_order_share \(share) is not in [0, 1]" }
        if let decay = averageDecay, !(decay > 0 && decay < 1) { return "average_decay \(decay) is not in (0, 1)" }
        if let weight = targetWeight, !(weight > 0 && weight <= RowBatcher.largestTargetWeight) {
            return "target_weight \(weight) is not in (0, \(Int(RowBatcher.largestTargetWeight))]"
        }
        if let privacy, let problem = privacy.problem(schema: schema) { return problem }
        return nil
    }
}

extension PrivacyRecord {
    public func problem(schema: Schema?) -> String? {
        guard epsilon.isFinite, epsilon >= 0 else { return "privacy.epsilon \(epsilon) is not a finite ε ≥ 0" }
        guard delta > 0, delta < 1 else { return "privacy.delta \(delta) is not in (0, 1)" }
        guard noiseMultiplier.isFinite, noiseMultiplier >= 0 else { return "privacy.noise_multiplier \(noiseMultiplier) is not a finite σ ≥ 0" }
        guard sampleRate >= 0, sampleRate <= 1 else { return "privacy.sample_rate \(sampleRate) is not in [0, 1]" }
        guard clipNorm.isFinite, clipNorm > 0 else { return "privacy.clip_norm \(clipNorm) is not a finite C > 0" }
        if let targetEpsilon, !(targetEpsilon.isFinite && targetEpsilon > 0) { return "privacy.target_epsilon \(targetEpsilon) is not a finite ε > 0" }
        if let schemaEpsilon, !(schemaEpsilon.isFinite && schemaEpsilon >= 0 && schemaEpsilon <= epsilon) {
            return "privacy.schema_epsilon \(schemaEpsilon) is not in [0, ε]"
        }
        if let schemaDelta, !(schemaDelta >= 0 && schemaDelta < delta) { return "privacy.schema_delta \(schemaDelta) is not in [0, δ)" }
        if let prior, !(prior.share > 0 && prior.share <= 1 && prior.rho.isFinite && prior.rho > 0 && prior.pseudoRows >= 0 && prior.steps >= 0
                        && prior.measurements.allSatisfy({ $0.sigma.isFinite && $0.sigma > 0 })) {
            return "privacy.prior holds a share outside (0, 1], a ρ or σ that is not finite and positive, or a negative count"
        }
        if let schema, let balance, let problem = balance.problem(schema: schema) { return problem }
        return nil
    }
}
