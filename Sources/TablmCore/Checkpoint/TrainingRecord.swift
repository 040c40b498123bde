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

    public init(steps: Int = 0, tokensSeen: Int? = nil) {
        self.steps = steps
        self.tokensSeen = tokensSeen
    }

    enum CodingKeys: String, CodingKey {
        case dataSHA256 = "data_sha256", dataRows = "data_rows", heldOutRows = "held_out_rows", steps
        case batchSize = "batch_size", schedule, seed, tokensSeen = "tokens_seen", trainLoss = "train_loss"
        case heldOutLoss = "held_out_loss", initializedFrom = "initialized_from", privacy
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
    }
}
