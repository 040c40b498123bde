import ArgumentParser
import TablmCore

/// The options of `finetune --dp`.
struct PrivacyOptions: ParsableArguments {
    @Flag(help: "Train with DP-SGD and report (epsilon, delta).")
    var dp = false

    @Option(help: "Target epsilon: the noise multiplier is calibrated so the run ends at or below it.")
    var epsilon: Double?

    @Option(help: "Delta of the guarantee (must be well below 1 / rows).")
    var delta = 1e-5

    @Option(help: "Noise multiplier sigma (instead of --epsilon).")
    var noiseMultiplier: Double?

    @Option(help: "Privacy accountant: pld (privacy loss distributions, tight) or rdp (Rényi DP, looser, faster). Both give upper bounds on epsilon; a run with the prior is composed by RDP under either (its rounds choose their noise as they go).")
    var accountant: PrivacyAccountant.Method = .pld

    @Option(help: "Expected rows per step; the sampling rate is this over the row count.")
    var expectedBatchSize = TrainingRecipe.expectedBatchSize

    @Option(help: "The table's row count, declared public (a published size); the rate of DP-SGD's sampling is --expected-batch-size over it (default: the count the prior's fit implies, noisy, or with --prior none a count released with Gaussian noise σ = \(TrainingRecipe.countReleaseNoise) and charged).")
    var rows: Int?

    @Flag(help: "Print the run's plan (the prior's share and steps, DP-SGD's steps, batch, rate, noise, clip and learning rate) and the projected ε of each part, then stop, without reading a row. Needs --rows (the count the run will size by is the prior's noisy total, near it).")
    var plan = false

    @Option(help: "Time budget in minutes for the prior stage and DP-SGD: the prior stage's steps are cut to what DP-SGD's steps leave, at this machine's speed measured (on random tokens, a few seconds) before any row is read; a budget too short for DP-SGD and 120 prior steps is refused. AIM's rounds and generation are outside it (docs/budget-plan.md) (default: no limit).")
    var minutes: Double?

    @Flag(help: "Group-balanced Poisson sampling: a rate per group of --sensitive, so each group brings as many rows to a step. Group counts are released once with Gaussian noise (charged to the budget); every step is charged at the largest rate.")
    var balanceGroups = false

    @Option(help: ArgumentHelp("Standard deviation of the noise on each group count for --balance-groups.", visibility: .hidden))
    var balanceCountNoise = TrainingRecipe.balanceCountNoise

    @Option(help: ArgumentHelp("With --balance-groups, no group's rate exceeds this multiple of the uniform rate (a tiny group would otherwise set the noise of every step).", visibility: .hidden))
    var balanceMaxBoost = TrainingRecipe.balanceMaxBoost

    @Flag(help: "Train even when the calibrated noise drowns the signal (σ over the expected batch above 1): such a run is refused without it.")
    var acceptNoise = false

    @Option(help: ArgumentHelp("Rows processed at once (memory only; the result does not depend on it).", visibility: .hidden))
    var microBatch = TrainingRecipe.microBatch

    @Option(help: ArgumentHelp("DP-SGD trains only the last this many blocks; the rest, embeddings and final LayerNorm included, stay frozen: less noise per step (default: every parameter).", visibility: .hidden)) var dpBlocks: Int?
    @Option(help: ArgumentHelp("Seed the noise and sampling generator (tests only: the noise becomes predictable and the guarantee void).", visibility: .hidden))
    var insecureSeed: UInt64?

    /// Options that only make sense with --dp are refused without it, rather than silently ignored.
    func refuseWithoutDP() throws {
        if epsilon != nil || noiseMultiplier != nil || insecureSeed != nil || balanceGroups || acceptNoise || rows != nil || plan || dpBlocks != nil || minutes != nil {
            throw ValidationError("--epsilon, --noise-multiplier, --insecure-seed, --balance-groups, --accept-noise, --rows, --plan, --dp-blocks and --minutes need --dp")
        }
    }

    func validate() throws {
        // Checked with or without --dp: a number is refused where it is read, not where it is used.
        try requireRange("--epsilon", epsilon, .open(0), .closed(PrivacyBudgetPlan.largestEpsilon))
        try requireRange("--delta", delta, .open(0), .open(1))
        try requireRange("--expected-batch-size", expectedBatchSize, .closed(1), .closed(Double(TrainingRecipe.largestBatch)))
        try requireRange("--micro-batch", microBatch, .closed(1), .closed(Double(TrainingRecipe.largestBatch)))
        try requireRange("--dp-blocks", dpBlocks, .closed(1), .closed(Double(GPT2Config.limits.layers)))
        try requireRange("--rows", rows, .closed(1), .closed(Double(TrainingRecipe.largestTable)))
        try requireRange("--minutes", minutes, .open(0), .closed(TimeBudget.largestMinutes))
        try requireRange("--balance-count-noise", balanceCountNoise, .closed(PrivacyAccountant.noiseMultipliers.lowerBound), .closed(1e6))
        try requireRange("--balance-max-boost", balanceMaxBoost, .closed(1), .closed(1e6))
        if let noiseMultiplier, !PrivacyAccountant.noiseMultipliers.contains(noiseMultiplier) { throw ValidationError("--noise-multiplier must be from 0.1 to 1e6 (got \(noiseMultiplier))") }
        guard dp else { return }
        guard (epsilon == nil) != (noiseMultiplier == nil) else {
            throw ValidationError("--dp needs exactly one of --epsilon (target) or --noise-multiplier")
        }
        if plan, rows == nil { throw ValidationError("--plan needs --rows N: the row count to plan for (the run itself sizes by the prior's noisy total, near it)") }
    }

    /// The privacy part of a run, with its prior (nil: DP-SGD alone).
    func request(prior: PriorRequest?) -> PrivacyRequest {
        var request = PrivacyRequest()
        request.epsilon = epsilon
        request.delta = delta
        request.noiseMultiplier = noiseMultiplier
        request.accountant = accountant
        request.expectedBatchSize = expectedBatchSize
        request.rows = rows
        request.balanceGroups = balanceGroups
        request.balanceCountNoise = balanceCountNoise
        request.balanceMaxBoost = balanceMaxBoost
        request.acceptNoise = acceptNoise
        request.microBatch = microBatch
        request.trainedBlocks = dpBlocks
        request.insecureSeed = insecureSeed
        request.timeBudget = minutes.map { TimeBudget(minutes: $0) }
        request.prior = prior
        return request
    }
}
