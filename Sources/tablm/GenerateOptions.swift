import ArgumentParser
import TablmCore

/// The decoding options of `generate` (and of every run of `sweep`, through --generate-args).
struct GenerateOptions: ParsableArguments {
    @Option(name: .customLong("workers"), help: "Cores to sample on (default: all, at most 8); the rows do not depend on it.") var workerCount: Int?
    var workers: Int { workerCount ?? ModelWorkers.defaultCount }
    @Option(help: "Sampling temperature.") var temperature = 1.0
    @Option(help: "Sample from the k most likely tokens only (0: all).") var topK = 0
    @Option(help: "Sequences decoded together.") var batchSize = 64
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Condition on a column (repeatable): col=v, col=a|b, col>=x, col<x, col=lo..hi.") var condition: [String] = []
    @Option(help: "Standard deviation of Gaussian noise on the logits (diversity only; no privacy guarantee).") var logitNoise = 0.0
    @Flag(help: "Write the columns in the order the model was trained in (recorded in training.json; the schema's order if none) instead of letting the model choose. The default when the checkpoint was trained in one order.") var fixedOrder = false
    @Flag(help: "Let the model choose the next column even when it was trained in one order.") var freeOrder = false
    @Flag(help: "Make the fair columns' values independent of the sensitive column (see above).") var maskFairness = false
    @Option(help: "With --mask-fairness: how far each group moves toward the pooled distribution, from 0 (the model as it is) to 1 (parity).") var fairnessStrength = 1.0
    @Option(help: "With --mask-fairness: rows of the model's own it is calibrated on (default: half of --rows, from 4000 to 16000, grown until the rarest group has 1000 rows there, at most 64000).") var maskPilotRows: Int?
    @OptionGroup var fairness: FairnessOptions
    @Flag(inversion: .prefixedNo, help: "On a private checkpoint, match the target's rate in each group of the sensitive column to the prior's released fit (free; DP-SGD pulls the rarer class down).") var matchPrior = true
    @Flag(help: "After --balance-groups training, keep the balanced mix of the sensitive groups instead of restoring the table's shares (from the released counts).") var keepBalancedMix = false
    @Flag(help: "Sample without the schema constraint (rows that do not fit are dropped and counted).") var unconstrained = false

    func validate() throws {
        try requireRange("--workers", workerCount, .closed(1), .closed(256))
        try requireRange("--temperature", temperature, .open(0), .closed(100))
        try requireRange("--logit-noise", logitNoise, .closed(0), .closed(100))
        try requireRange("--top-k", topK, .closed(0), .closed(Double(GPT2Config.limits.vocabulary)))
        try requireRange("--batch-size", batchSize, .closed(1), .closed(Double(TrainingRecipe.largestBatch)))
        try fairness.refuseWithout("--mask-fairness", enabled: maskFairness)
        if maskFairness && unconstrained { throw ValidationError("--mask-fairness needs the schema constraint (drop --unconstrained)") }
        try requireRange("--fairness-strength", fairnessStrength, .closed(0), .closed(1))
        try requireRange("--mask-pilot-rows", maskPilotRows, .closed(100), .closed(1_000_000))
        if !maskFairness, fairnessStrength != 1 || maskPilotRows != nil {
            throw ValidationError("--fairness-strength and --mask-pilot-rows need --mask-fairness")
        }
    }

    /// The request these options make for `rows` rows from `checkpoint` into `output`.
    func request(checkpoint: String, rows: Int?, output: String) -> GenerateRequest {
        var request = GenerateRequest(checkpoint: checkpoint, rows: rows, output: output)
        request.workers = workers
        request.temperature = temperature
        request.topK = topK
        request.batchSize = batchSize
        request.seed = seed
        request.conditions = condition
        request.logitNoise = logitNoise
        request.fixedOrder = fixedOrder
        request.freeOrder = freeOrder
        request.maskFairness = maskFairness
        request.fairnessStrength = fairnessStrength
        request.maskPilotRows = maskPilotRows
        request.fairness = fairness.columns
        request.keepBalancedMix = keepBalancedMix
        request.matchPrior = matchPrior
        request.unconstrained = unconstrained
        return request
    }
}
