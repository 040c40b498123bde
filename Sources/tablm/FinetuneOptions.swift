import ArgumentParser
import TablmCore

/// The options of a training run, shared by `finetune` and `audit` (which trains one run itself).
struct FinetuneOptions: ParsableArguments {
    @OptionGroup var rowText: RowTextOptions
    @OptionGroup(title: "Differential privacy") var privacy: PrivacyOptions
    @OptionGroup(title: "Marginal prior (with --dp)") var priorOptions: PriorOptions
    @Option(help: "Training table (CSV).") var data: String
    @Option(help: "Tokenizer .model (default: trained from the schema alone).") var tokenizer: String?
    @Option(help: "Checkpoint to start from (public data only).") var initFrom: String?
    @Option(help: "Transformer blocks (default: \(TrainingRecipe.largeTableLayers) on tables of \(TrainingRecipe.largeTableRows) training rows or more, else \(TrainingRecipe.smallTableLayers); under --dp \(TrainingRecipe.privateLayers)).") var layers: Int?
    @Option(help: "Model width (n_embd).") var width = TrainingRecipe.width
    @Option(help: "Attention heads.") var heads = TrainingRecipe.heads
    @Option(help: ArgumentHelp("Context length in tokens (default: the longest row the schema allows).", visibility: .hidden)) var context: Int?
    @Option(help: "Optimizer steps in total (default: --epochs over the rows; under --dp \(TrainingRecipe.privateSteps), or \(TrainingRecipe.privateStepsAfterPrior) after the marginal prior).") var steps: Int?
    @Option(help: "Passes over the training rows when --steps is not given, at least \(TrainingRecipe.minimumSteps) steps; not with --dp (default: \(TrainingRecipe.defaultEpochs)).") var epochs: Double?
    @Option(help: "Stop after this many held-out scores in a row without a new best; 0: run every step; not with --dp (default: \(TrainingRecipe.defaultPatience)).") var patience: Int?
    @Option(help: "Rows per step (default: \(TrainingRecipe.largeTableBatchSize) on tables of \(TrainingRecipe.largeTableRows) training rows or more, else \(TrainingRecipe.smallTableBatchSize); not with --dp, whose steps draw --expected-batch-size rows in expectation).") var batchSize: Int?
    @Option(help: ArgumentHelp("Column order of the training rows: schema (the schema's order with the target last, --random-order-share of the uses in a random order) or random (a fresh random order every use).", visibility: .hidden)) var columnOrders = ColumnOrderChoice.schema
    @Option(help: ArgumentHelp("With --column-orders schema: share of uses in a random order, so that conditions (written first by generate) and fairness probes are in what the model has seen (default: 0; \(TrainingRecipe.fairnessRandomOrderShare) with --fairness-lambda or --representation-lambda).", visibility: .hidden)) var randomOrderShare: Double?
    @Option(help: "Peak learning rate (default: \(TrainingRecipe.largeTableLearningRate) on tables of \(TrainingRecipe.largeTableRows) training rows or more, else 1e-3; under --dp 1e-3, or 2e-4 after the marginal prior).") var lr: Double?
    @Option(help: ArgumentHelp("Warmup steps.", visibility: .hidden)) var warmup = TrainingRecipe.warmupSteps
    @Option(help: ArgumentHelp("Decay β of the parameter average that is scored and saved: an exponential moving average of the weights, its decay at most (1 + t)/(10 + t) at step t ; under --dp post-processing, no privacy cost; 0: the last weights (default: \(TrainingRecipe.defaultAverageDecay), or the resumed run's).", visibility: .hidden)) var averageDecay: Double?
    @Option(help: ArgumentHelp("Loss weight of the target column's value tokens against 1 for every other token: more of the gradient goes to the target given the other columns, which is what a classifier trained on the rows learns; 1: every token alike; under --dp it weights DP-SGD's per-row loss (default: \(TrainingRecipe.defaultTargetWeight) when the schema has a target, \(TrainingRecipe.privateTargetWeight) under --dp, or the resumed run's).", visibility: .hidden)) var targetWeight: Double?
    @Option(help: ArgumentHelp("AdamW weight decay (matrices only).", visibility: .hidden)) var weightDecay = TrainingRecipe.weightDecay
    @Option(help: "Without --dp: clip the batch gradient to this L2 norm. With --dp: the per-row clip norm C of DP-SGD (each row's gradient is clipped to it before the noise, N(0, σ²C²), is added).") var clip = TrainingRecipe.clipNorm
    @Option(help: ArgumentHelp("Share of rows held out to measure loss.", visibility: .hidden)) var heldOut = TrainingRecipe.heldOutShare
    @Option(help: ArgumentHelp("Score the held-out rows (and checkpoint at a new best) every N steps (default: a quarter epoch; not used with --dp, which has no held-out rows).", visibility: .hidden)) var evalEvery: Int?
    @Option(help: "Seed for initialisation, batches and column orders.") var seed: UInt64 = 0
    @Option(help: "Weight λ of the demographic-parity term: KL between the model's value distributions for the sensitive groups, on probe prompts (0: off).") var fairnessLambda = 0.0
    @Option(help: "Weight μ of the representation term: the dependence (normalised HSIC) between the model's hidden states after the sensitive field and the sensitive value, over every other column's probe (task-agnostic; 0: off).") var representationLambda = 0.0
    @Option(help: ArgumentHelp("Contexts for counterfactual probes: rows the model generates (refreshed every \(TrainingRecipe.fairnessContextRefresh) steps), each followed by every group (0: bare probes only).", visibility: .hidden)) var fairnessContexts = TrainingRecipe.fairnessContexts
    @OptionGroup var fairness: FairnessOptions
    @Option(name: .customLong("workers"), help: "Cores to train on (default: all, at most 8); the result does not depend on it.") var workerCount: Int?
    var workers: Int { workerCount ?? ModelWorkers.defaultCount }

    func validate() throws {
        let limits = GPT2Config.limits, batch = Double(TrainingRecipe.largestBatch), steps = Double(PrivacyAccountant.maximumSteps)
        try requireRange("--workers", workerCount, .closed(1), .closed(256))
        try requireRange("--batch-size", batchSize, .closed(1), .closed(batch))
        try requireRange("--layers", layers, .closed(1), .closed(Double(limits.layers)))
        try requireRange("--width", width, .closed(1), .closed(Double(limits.width)))
        try requireRange("--heads", heads, .closed(1), .closed(Double(width)))
        if let problem = GPT2Config.headsProblem(width: width, heads: heads) { throw ValidationError(problem) }
        try requireRange("--context", context, .closed(1), .closed(Double(limits.context)))
        try requireRange("--average-decay", averageDecay, .closed(0), .open(1))
        try requireRange("--random-order-share", randomOrderShare, .closed(0), .closed(1))
        // --dp --steps 0: the marginal prior alone, its events recorded; DP-SGD can follow elsewhere (tablm export).
        try requireRange("--steps", self.steps, .closed(privacy.dp && priorOptions.prior == .aim ? 0 : 1), .closed(steps))
        try requireRange("--epochs", epochs, .open(0), .closed(1e4))
        try requireRange("--patience", patience, .closed(0), .closed(steps))
        try requireRange("--eval-every", evalEvery, .closed(1), .closed(steps))
        try requireRange("--warmup", warmup, .closed(0), .closed(steps))
        try requireRange("--held-out", heldOut, .closed(0), .open(1))
        try requireRange("--target-weight", targetWeight, .open(0), .closed(RowBatcher.largestTargetWeight))
        try requireRange("--clip", clip, .open(0), .closed(1e6))
        try requireRange("--lr", lr, .open(0), .closed(1))
        try requireRange("--weight-decay", weightDecay, .closed(0), .closed(1e3))
        try requireRange("--fairness-lambda", fairnessLambda, .closed(0), .closed(1e6))
        try requireRange("--representation-lambda", representationLambda, .closed(0), .closed(1e6))
        try requireRange("--fairness-contexts", fairnessContexts, .closed(0), .closed(batch))
        // Taken and ignored before: a private run holds no rows out (each would be a row unprotected), draws its rows by Poisson sampling.
        if privacy.dp, let given = [("--epochs", epochs != nil), ("--patience", patience != nil), ("--eval-every", evalEvery != nil),
                                    ("--held-out", heldOut != TrainingRecipe.heldOutShare)].first(where: \.1) { throw ValidationError("\(given.0) needs held-out rows, which --dp does not have; give --steps") }
        if privacy.dp, batchSize != nil { throw ValidationError("--batch-size is not used with --dp, whose steps draw rows by Poisson sampling; give --expected-batch-size") }
        try fairness.refuseWithout("--fairness-lambda", enabled: fairnessLambda > 0,
                                   otherUse: ("--representation-lambda or --balance-groups", representationLambda > 0 || privacy.balanceGroups))
    }

    /// The run these options ask for, written to `output` (continuing `resume`).
    func request(output: String, resume: String? = nil) throws -> FinetuneRequest {
        if !privacy.dp { try privacy.refuseWithoutDP() }
        var request = FinetuneRequest(data: data, schema: rowText.schema, output: output)
        request.template = rowText.template
        request.tokenizer = tokenizer
        request.initFrom = initFrom
        request.resume = resume
        request.layers = layers
        request.width = width
        request.heads = heads
        request.context = context
        request.steps = steps
        request.epochs = epochs
        request.patience = patience
        request.batchSize = batchSize
        request.columnOrders = columnOrders
        request.randomOrderShare = randomOrderShare
        request.learningRate = lr
        request.warmupSteps = warmup
        request.averageDecay = averageDecay
        request.targetWeight = targetWeight
        request.weightDecay = weightDecay
        request.clipNorm = clip
        request.heldOutShare = heldOut
        request.evaluateEvery = evalEvery
        request.seed = seed
        request.fairness.lambda = fairnessLambda
        request.fairness.representationLambda = representationLambda
        request.fairness.contexts = fairnessContexts
        request.fairness.columns = fairness.columns
        request.workers = workers
        request.privacy = privacy.dp ? privacy.request(prior: priorOptions.request) : nil
        return request
    }
}

extension ColumnOrderChoice: ExpressibleByArgument {}
