/// `bundle.json` of `tablm export`: what `python/train_opacus.py` needs to run the same DP-SGD as
/// `finetune --dp` in PyTorch and Opacus. tablm calibrates σ here, with its own accountant, for
/// the composed target ε (the checkpoint's earlier events, the prior's included, then these
/// steps); the script uses σ as given and never chooses it.
public struct OpacusBundle: Codable, Sendable, Equatable {
    public struct DPPlan: Codable, Sendable, Equatable {
        public var noiseMultiplier: Double
        public var sampleRate: Double
        public var steps: Int
        public var delta: Double
        public var clipNorm: Double
        /// q·N, the rows Opacus's Poisson loader draws a step in expectation (its batch size).
        public var expectedBatchSize: Int
        public var targetEpsilon: Double
        public var accountant: String
        /// The checkpoint's own events (marginal prior, count releases, earlier DP-SGD), composed first.
        public var priorEvents: [PrivacyEvent]
        public var prior: PriorRecord?
        public var schemaEpsilon: Double?
        public var schemaDelta: Double?
        /// The Rényi order of the filter σ was calibrated under (`PrivacyAccountant.filterOrder`), where
        /// the rate follows from a released count or the checkpoint's prior: the import composes at it.
        public var filterOrder: Double?
        /// What the checkpoint's own filter counted beyond its events (`PrivacyAccountant.filterCredit`).
        public var filterCredit: Double?

        enum CodingKeys: String, CodingKey {
            case noiseMultiplier = "noise_multiplier", sampleRate = "sample_rate", steps, delta, clipNorm = "clip_norm"
            case expectedBatchSize = "expected_batch_size", targetEpsilon = "target_epsilon", accountant, priorEvents = "prior_events", prior
            case schemaEpsilon = "schema_epsilon", schemaDelta = "schema_delta", filterOrder = "filter_order", filterCredit = "filter_credit"
        }
    }

    public struct Training: Codable, Sendable, Equatable {
        public var lr: Double
        public var warmup: Int
        public var weightDecay: Double

        public init(lr: Double, warmup: Int, weightDecay: Double) {
            self.lr = lr
            self.warmup = warmup
            self.weightDecay = weightDecay
        }

        enum CodingKeys: String, CodingKey { case lr, warmup, weightDecay = "weight_decay" }
    }

    public var format = "tablm-opacus-bundle"
    public var version = 1
    public var rows: Int
    /// Inputs per row: the longest row's tokens with `<s>`, less the last (as `RowBatcher` pads).
    public var sequenceLength: Int
    public var padTokenID: Int32
    public var bosTokenID: Int32
    public var eosTokenID: Int32
    public var columnOrders: [[String]]?
    public var dp: DPPlan
    public var training: Training

    public init(rows: Int, sequenceLength: Int, padTokenID: Int32, bosTokenID: Int32, eosTokenID: Int32, columnOrders: [[String]]?,
                dp: DPPlan, training: Training) {
        self.rows = rows
        self.sequenceLength = sequenceLength
        self.padTokenID = padTokenID
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.columnOrders = columnOrders
        self.dp = dp
        self.training = training
    }

    enum CodingKeys: String, CodingKey {
        case format, version, rows, sequenceLength = "sequence_length", padTokenID = "pad_token_id", bosTokenID = "bos_token_id"
        case eosTokenID = "eos_token_id", columnOrders = "column_orders", dp, training
    }

    /// The plan for `steps` DP-SGD steps at rate `expectedBatchSize / rows` after the checkpoint's
    /// `earlier` events (none for a checkpoint that spent nothing), σ calibrated so that all of them
    /// compose to at most `targetEpsilon` at `delta`.
    public static func plan(earlier: [PrivacyEvent], prior: PriorRecord?, schemaCost: PrivacyCost?, targetEpsilon: Double,
                            delta: Double, method: PrivacyAccountant.Method, rows: Int, expectedBatchSize: Int, steps: Int,
                            clipNorm: Double, filter: Bool = false, continuing: PrivacyAccountant? = nil) throws -> DPPlan {
        var budget = try PrivacyBudgetPlan(method: method, targetEpsilon: targetEpsilon, delta: delta, schemaCost: schemaCost, events: earlier)
        if filter { budget.useFilter(order: continuing?.filterOrder, credit: continuing?.filterCredit) }
        let sampleRate = Double(expectedBatchSize) / Double(rows)
        guard sampleRate > 0, sampleRate <= 1 else {
            throw InputError("--expected-batch-size \(expectedBatchSize) must be between 1 and the \(rows) rows")
        }
        guard let sigma = budget.calibrateTraining(sampleRate: sampleRate, steps: steps) else {
            let spent = budget.epsilon()
            throw InputError(String(format: "ε = %g cannot be reached in %d steps at q = %.5f", targetEpsilon, steps, sampleRate)
                             + (earlier.isEmpty ? "" : String(format: " after the checkpoint's own events (ε = %.4f already)", spent))
                             + "; raise --epsilon or use fewer --steps")
        }
        return DPPlan(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps, delta: delta, clipNorm: clipNorm,
                      expectedBatchSize: expectedBatchSize, targetEpsilon: targetEpsilon, accountant: method.rawValue, priorEvents: earlier,
                      prior: prior, schemaEpsilon: schemaCost.map(\.epsilon), schemaDelta: schemaCost.map(\.delta), filterOrder: budget.accountant.filterOrder,
                      filterCredit: budget.accountant.filterCredit)
    }
}
