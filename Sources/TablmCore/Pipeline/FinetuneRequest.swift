/// Everything a fine-tuning run is asked for: files, model shape, schedule, fairness terms and, when
/// the run is private, its privacy part. A nil setting takes `TrainingRecipe`'s rule (or, on
/// `resume`, the resumed run's own setting).
public struct FinetuneRequest: Sendable {
    public var data: String
    public var schema: String
    public var template: String?
    public var output: String
    public var tokenizer: String?
    /// A checkpoint to start from (public data only).
    public var initFrom: String?
    /// A checkpoint folder whose run this one continues.
    public var resume: String?

    public var layers: Int?
    public var width = TrainingRecipe.width
    public var heads = TrainingRecipe.heads
    public var context: Int?
    public var steps: Int?
    public var epochs: Double?
    public var patience: Int?
    public var batchSize: Int?
    public var columnOrders = ColumnOrderChoice.schema
    public var randomOrderShare: Double?
    public var learningRate: Double?
    public var warmupSteps = TrainingRecipe.warmupSteps
    public var averageDecay: Double?
    public var targetWeight: Double?
    public var weightDecay = TrainingRecipe.weightDecay
    /// The batch gradient's norm bound; under privacy, DP-SGD's per-row clip norm C.
    public var clipNorm = TrainingRecipe.clipNorm
    public var heldOutShare = TrainingRecipe.heldOutShare
    public var evaluateEvery: Int?
    public var seed: UInt64 = 0
    public var fairness = FairnessTerms()
    public var workers = ModelWorkers.defaultCount
    /// nil: a non-private run.
    public var privacy: PrivacyRequest?
    /// Replace an existing checkpoint of another kind (a private one by a non-private run).
    public var force = false

    public init(data: String, schema: String, output: String) {
        self.data = data
        self.schema = schema
        self.output = output
    }
}

extension FinetuneRequest {
    /// The output policy (`OutputDestination`) for this run's checkpoint, checked before any work; a
    /// resumed run may write over the checkpoint it continues.
    public func checkDestination() throws {
        let inputs = [data, schema, template, tokenizer, initFrom, resume == output ? nil : resume]
        try OutputDestination.checkFolder(output, option: "-o", what: "checkpoint", kind: Checkpoint.folderKind(private: privacy != nil),
                                          inputs: inputs, force: force)
    }

    /// Whether the plan may give a small table's whole budget to the prior: a private run with the
    /// prior, and nothing the split depends on asked for (the prior's share, DP-SGD's steps or σ).
    /// Balanced sampling is sized by its own rate: without this, a small table kept DP-SGD's share,
    /// left DP-SGD out and spent a quarter of ε on nothing.
    public var planSizesTheSplit: Bool {
        guard let privacy, let prior = privacy.prior else { return false }
        return prior.share == nil && steps == nil && privacy.noiseMultiplier == nil
    }
}

/// The fairness terms a run adds to its loss (`FairnessRegularizer`, `RepresentationIndependence`)
/// and the columns they act on.
public struct FairnessTerms: Sendable {
    public var lambda = 0.0
    public var representationLambda = 0.0
    /// Generated rows used as contexts for the probes (0: bare probes only).
    public var contexts = TrainingRecipe.fairnessContexts
    public var columns = FairnessColumns()

    public init() {}

    public var isEnabled: Bool { lambda > 0 || representationLambda > 0 }
}

/// The privacy part of a run: DP-SGD's budget and sampling, and the marginal prior before it.
public struct PrivacyRequest: Sendable {
    public var epsilon: Double?
    public var delta = 1e-5
    public var noiseMultiplier: Double?
    public var accountant = PrivacyAccountant.Method.pld
    public var expectedBatchSize = TrainingRecipe.expectedBatchSize
    /// The table's row count, declared public (nil: the prior's noisy total, or a noisy count
    /// released and charged): DP-SGD's sampling rate is the expected batch over it.
    public var rows: Int?
    public var balanceGroups = false
    public var balanceCountNoise = TrainingRecipe.balanceCountNoise
    public var balanceMaxBoost = TrainingRecipe.balanceMaxBoost
    public var acceptNoise = false
    public var microBatch = TrainingRecipe.microBatch
    /// DP-SGD trains the last this many blocks only, the rest frozen (nil: every parameter).
    public var trainedBlocks: Int?
    /// Seeds the noise and sampling (tests only: the guarantee is void).
    public var insecureSeed: UInt64?
    /// The training stages' wall time: the prior stage is cut to fit (nil: no limit).
    public var timeBudget: TimeBudget?
    /// nil: DP-SGD alone.
    public var prior: PriorRequest? = PriorRequest()

    public init() {}
}

extension PrivacyRequest {
    /// The prior's share of ε: the one asked for, else the plan's for the budget; nil without a prior.
    public var priorShare: Double? { prior.map { $0.share ?? TrainingRecipe.priorShare(epsilon: epsilon) } }
}

/// The marginal prior of a private run (AIM, then training on its pseudo rows).
public struct PriorRequest: Sendable {
    /// nil: the plan's share for the budget (`TrainingRecipe.priorShare(epsilon:)`).
    public var share: Double?
    /// Pseudo rows drawn (nil: one fresh row for every row the prior steps use, and at least the
    /// prior's noisy total).
    public var rows: Int?
    /// Steps on the pseudo rows (nil: sized to the prior's noisy total, `TrainingRecipe.priorSteps(noisyRows:batchSize:)`).
    public var steps: Int?
    public var batchSize = TrainingRecipe.priorBatchSize
    public var learningRate = TrainingRecipe.priorLearningRate
    /// Loss weight of the target's value tokens on the pseudo rows (nil: `TrainingRecipe.priorTargetWeight`
    /// when the schema names a target). Post-processing, so free: unlike DP-SGD's, which clips each row.
    public var targetWeight: Double?
    public var aim = AIMSettings()

    public init() {}
}
