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
    /// DP-SGD trained the last this many blocks only (`--dp-blocks`; nil: every parameter).
    public var trainedBlocks: Int?
    /// The fairness terms the model trained with (nil: none): `generate` must not pull the groups'
    /// rates back to the prior's, and `--resume` continues with the same terms.
    public var fairness: FairnessTermRecord?

    public init(steps: Int = 0, tokensSeen: Int? = nil) {
        self.steps = steps
        self.tokensSeen = tokensSeen
    }

    enum CodingKeys: String, CodingKey {
        case dataSHA256 = "data_sha256", dataRows = "data_rows", heldOutRows = "held_out_rows", steps
        case batchSize = "batch_size", schedule, seed, tokensSeen = "tokens_seen", trainLoss = "train_loss"
        case heldOutLoss = "held_out_loss", initializedFrom = "initialized_from", privacy, columnOrders = "column_orders", randomOrderShare = "random_order_share"
        case averageDecay = "average_decay", targetWeight = "target_weight", trainedBlocks = "trained_blocks", fairness
    }
}

/// A run's fairness terms as `training.json` keeps them: the demographic-parity term's λ
/// (`--fairness-lambda`), the representation term's μ (`--representation-lambda`), the sensitive
/// column and the columns made independent of it. Names from the schema: nothing read off rows.
public struct FairnessTermRecord: Codable, Sendable, Equatable {
    public var lambda: Double
    public var representationLambda: Double?
    public var sensitive: String
    public var columns: [String]
    /// Generated rows a probe's contexts come from (`--fairness-contexts`).
    public var contexts: Int?

    public init(lambda: Double, representationLambda: Double?, sensitive: String, columns: [String], contexts: Int?) {
        self.lambda = lambda
        self.representationLambda = representationLambda
        self.sensitive = sensitive
        self.columns = columns
        self.contexts = contexts
    }

    /// The options that ask for these terms, as a refusal names them.
    public var options: String {
        ([lambda > 0 ? "--fairness-lambda \(lambda)" : nil, representationLambda.map { "--representation-lambda \($0)" }].compactMap { $0 }
            + ["--sensitive \(sensitive)", "--fair-columns \(columns.joined(separator: ","))"] + (contexts.map { ["--fairness-contexts \($0)"] } ?? [])).joined(separator: " ")
    }

    enum CodingKeys: String, CodingKey {
        case lambda, representationLambda = "representation_lambda", sensitive, columns, contexts
    }
}

extension TrainingRecord {
    /// The rows of the table the model was trained on, as far as the record may say: without privacy
    /// the rows read (training and held out); under DP the count DP-SGD's rate was taken over
    /// (released with noise or declared public), else the prior's noisy total, never the true count.
    public var tableRows: Int? {
        if let privacy {
            if let rate = privacy.rateRows, rate.isFinite, rate >= 1, rate <= 1e15 { return Int(rate.rounded()) }
            return privacy.prior?.noisyRows
        }
        return dataRows.map { $0 + (heldOutRows ?? 0) }
    }

    /// Reads `training.json`: strict JSON, then the values checked against `schema` (`problem`).
    public static func load(path: String, schema: Schema?) throws -> TrainingRecord {
        let data = try InputFile.contents(path, what: "a training record", limit: InputFile.smallFileLimit)
        let record = try SchemaFile.decode(TrainingRecord.self, from: data, path: path)
        if let problem = record.problem(schema: schema) { throw InputError(problem, at: SourceLocation(file: path)) }
        return record
    }

    /// The most rows or tokens a record may count: far beyond any table tablm reads, and small enough
    /// that sums of them cannot overflow (a data_rows of 2⁶³ − 1 trapped `generate`).
    public static let largestCount = 1 << 50

    /// Values no run writes: a record is a file someone hands you, and `--resume`, `generate` and
    /// `privacy epsilon checkpoint` act on what it says.
    public func problem(schema: Schema?) -> String? {
        if steps < 0 { return "steps \(steps) is negative" }
        for (name, count) in [("data_rows", dataRows), ("held_out_rows", heldOutRows), ("tokens_seen", tokensSeen)] {
            if let count, !(0...Self.largestCount).contains(count) { return "\(name) \(count) is not from 0 to \(Self.largestCount)" }
        }
        if let batchSize, batchSize < 1 { return "batch_size \(batchSize) is not positive" }
        if let share = randomOrderShare, !(0...1).contains(share) { return "random_order_share \(share) is not in [0, 1]" }
        if let decay = averageDecay, !(decay > 0 && decay < 1) { return "average_decay \(decay) is not in (0, 1)" }
        if let weight = targetWeight, !(weight > 0 && weight <= RowBatcher.largestTargetWeight) {
            return "target_weight \(weight) is not in (0, \(Int(RowBatcher.largestTargetWeight))]"
        }
        if let blocks = trainedBlocks, blocks < 1 { return "trained_blocks \(blocks) is not positive" }
        if let fairness, !(fairness.lambda.isFinite && fairness.lambda >= 0 && (fairness.representationLambda.map { $0.isFinite && $0 > 0 } ?? true)
                           && (fairness.lambda > 0 || fairness.representationLambda != nil)) {
            return "fairness holds a λ that is not finite and ≥ 0, a μ that is not finite and > 0, or neither above 0"
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
        guard PrivacyAccountant.Method(rawValue: accountant) != nil else {
            return "unknown accountant \(quoted: accountant) at .privacy.accountant (expected pld or rdp)"
        }
        if let targetEpsilon, !(targetEpsilon.isFinite && targetEpsilon > 0) { return "privacy.target_epsilon \(targetEpsilon) is not a finite ε > 0" }
        if let filterOrder, !(PrivacyBudgetPlan.filterOrders.contains(filterOrder) && targetEpsilon != nil) {
            return "privacy.filter_order \(filterOrder) is not one of the accountant's integer orders, or the record has no target_epsilon"
        }
        if let schemaEpsilon, !(schemaEpsilon.isFinite && schemaEpsilon >= 0 && schemaEpsilon <= epsilon) {
            return "privacy.schema_epsilon \(schemaEpsilon) is not in [0, ε]"
        }
        if let schemaDelta, !(schemaDelta >= 0 && schemaDelta < delta) { return "privacy.schema_delta \(schemaDelta) is not in [0, δ)" }
        // A count released with noise can come out below 1 on a tiny table (a run records it as
        // released, and its uses take at least 1): only its size is bounded.
        if let rate = rateRows, !(rate.isFinite && abs(rate) <= Double(TrainingRecord.largestCount)) {
            return "privacy.rate_rows \(rate) is not a finite count of at most \(TrainingRecord.largestCount)"
        }
        if let rows = prior?.noisyRows, !(1...TrainingRecord.largestCount).contains(rows) {
            return "privacy.prior.noisy_rows \(rows) is not from 1 to \(TrainingRecord.largestCount)"
        }
        if let prior, !(prior.share > 0 && prior.share <= 1 && prior.rho.isFinite && prior.rho > 0 && prior.pseudoRows >= 0 && prior.steps >= 0
                        && prior.measurements.allSatisfy({ $0.sigma.isFinite && $0.sigma > 0 })) {
            return "privacy.prior holds a share outside (0, 1], a ρ or σ that is not finite and positive, or a negative count"
        }
        if let schema, let balance, let problem = balance.problem(schema: schema) { return problem }
        return nil
    }
}
