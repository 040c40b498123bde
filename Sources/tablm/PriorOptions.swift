import ArgumentParser
import TablmCore

/// How a private run uses the marginal prior (`finetune --dp`).
enum PriorKind: String, ExpressibleByArgument, CaseIterable {
    /// AIM's adaptive selection and measurement of marginals, fitted by Private-PGM's estimator.
    case aim
    case none
}

struct PriorOptions: ParsableArguments {
    @Option(help: "Marginal prior under --dp: aim (measure selected marginals with noise, train on pseudo rows drawn from their fit, then DP-SGD on the real rows) or none (DP-SGD alone).")
    var prior: PriorKind = .aim

    @Option(help: "Share of --epsilon the prior spends on its own (the rest goes to DP-SGD; the two are composed in one accountant; docs/budget-plan.md) (default: the plan's, all of it below --epsilon \(TrainingRecipe.wholeBudgetToPriorBelow), else \(TrainingRecipe.priorShare)).")
    var priorShare: Double?

    @Option(help: ArgumentHelp("Pseudo rows drawn from the prior (default: a fresh one for every row the prior steps use, and at least the prior's noisy total).", visibility: .hidden))
    var priorRows: Int?

    @Option(help: ArgumentHelp("Steps of (non-private) training on the pseudo rows before DP-SGD (default: \(Int(TrainingRecipe.priorPseudoRowsPerRow)) pseudo rows for each row of the prior's noisy total, at most \(TrainingRecipe.priorSteps) steps).", visibility: .hidden))
    var priorSteps: Int?

    @Option(help: ArgumentHelp("Pseudo rows per prior step (default: \(TrainingRecipe.priorBatchSize)).", visibility: .hidden))
    var priorBatchSize: Int?

    @Option(help: ArgumentHelp("Peak learning rate on the pseudo rows (default: \(TrainingRecipe.priorLearningRate)).", visibility: .hidden))
    var priorLr: Double?

    @Option(help: ArgumentHelp("Loss weight of the target's value tokens on the pseudo rows (post-processing: no privacy cost) (default: \(TrainingRecipe.priorTargetWeight) when the schema has a target).", visibility: .hidden)) var priorTargetWeight: Double?
    @Option(help: ArgumentHelp("Largest model of the prior, in cells of its junction tree's cliques (AIM's size cap) (default: \(AIMSettings().maximumModelCells)).", visibility: .hidden))
    var priorMaxCells: Int?

    @Option(help: ArgumentHelp("Bins of a numeric column too wide for one prior cell per value (log-spaced for amounts from 0) (default: \(PublicDiscretization.defaultBins)).", visibility: .hidden))
    var priorBins: Int?

    func validate() throws {
        try requireRange("--prior-share", priorShare, .open(0), .closed(1))
        try requireRange("--prior-rows", priorRows, .closed(1), .closed(Double(TrainingRecipe.largestTable)))
        try requireRange("--prior-steps", priorSteps, .closed(0), .closed(Double(PrivacyAccountant.maximumSteps)))
        try requireRange("--prior-batch-size", priorBatchSize, .closed(1), .closed(Double(TrainingRecipe.largestBatch)))
        try requireRange("--prior-lr", priorLr, .open(0), .closed(1))
        try requireRange("--prior-target-weight", priorTargetWeight, .open(0), .closed(RowBatcher.largestTargetWeight))
        try requireRange("--prior-max-cells", priorMaxCells, .closed(1), .closed(Double(AIMSettings.largestModelCells)))
        if let priorBins, !(2...PublicDiscretization.maximumColumnCells).contains(priorBins) { throw ValidationError("--prior-bins must be from 2 to \(PublicDiscretization.maximumColumnCells) (got \(priorBins))") }
        // --prior none reads none of them: a value given there would be silently ignored.
        if prior == .none, ([priorShare, priorRows, priorSteps, priorBatchSize, priorLr, priorTargetWeight, priorMaxCells, priorBins] as [Any?]).contains(where: { $0 != nil }) { throw ValidationError("--prior-share, --prior-rows, --prior-steps, --prior-batch-size, --prior-lr, --prior-target-weight, --prior-max-cells and --prior-bins need --prior aim") }
    }

    /// The prior of a private run (nil with --prior none).
    var request: PriorRequest? {
        guard prior == .aim else { return nil }
        var request = PriorRequest()
        request.share = priorShare
        request.rows = priorRows
        request.steps = priorSteps
        request.batchSize = priorBatchSize ?? request.batchSize
        request.learningRate = priorLr ?? request.learningRate
        request.targetWeight = priorTargetWeight
        request.aim.maximumModelCells = priorMaxCells ?? request.aim.maximumModelCells
        request.aim.bins = priorBins ?? request.aim.bins
        return request
    }
}
