extension FinetuneRun {
    /// The speed a time budget sizes the prior stage by (nil without a budget), measured at the run's
    /// shapes on random tokens before any row is read; a budget that cannot hold DP-SGD's steps and
    /// the least prior stage is refused here, with nothing spent.
    func budgetTiming(_ privacy: PrivacyRequest, config: GPT2Config) throws -> StepTiming? {
        guard let budget = privacy.timeBudget else { return nil }
        try budget.check(request, timing: nil)
        let timing = budget.timing ?? measureStepTiming(privacy, config: config)
        try budget.check(request, timing: timing)
        message(String(format: "time budget: %g min for the prior stage and DP-SGD; here a prior step takes %.3f s, a DP-SGD step %.3f s (measured on random tokens at the run's shapes)",
                       budget.seconds / 60, timing.priorStep, timing.privateStep))
        return timing
    }

    /// This machine's speed at the run's shapes: the prior stage's batch and DP-SGD's expected one.
    func measureStepTiming(_ privacy: PrivacyRequest, config: GPT2Config) -> StepTiming {
        StepTiming.measure(config: config, priorBatch: privacy.prior?.batchSize ?? TrainingRecipe.priorBatchSize,
                           privateBatch: privacy.expectedBatchSize, microBatch: privacy.microBatch, workers: request.workers)
    }

    /// The prior stage's steps: `--prior-steps`, else sized to the noisy total and, under a time
    /// budget, cut to what DP-SGD's steps (at the prior's `share` as resolved) leave of it.
    func priorStageSteps(_ prior: PriorRequest, noisyRows: Int, share: Double, budget: TimeBudget?, timing: StepTiming?) -> Int {
        if let steps = prior.steps { return steps }
        let planned = TrainingRecipe.priorSteps(noisyRows: noisyRows, batchSize: prior.batchSize)
        guard let budget, let timing else { return planned }
        let dpSteps = TrainingRecipe.privateSteps(requested: request.steps, priorShare: share, afterPrior: true)
        let steps = budget.stageSteps(planned: planned, privateSteps: dpSteps, timing: timing)
        if steps < planned {
            message(String(format: "prior training: %d steps, not %d: --minutes %g leaves %.1f min once DP-SGD's %d steps are counted",
                           steps, planned, budget.seconds / 60, budget.secondsLeft(privateSteps: dpSteps, timing: timing) / 60, dpSteps))
        }
        return steps
    }
}
