import Foundation

/// The marginal prior as a stage of a private run (and all of `tablm prior`): AIM's release with its
/// share of the budget, charged to the plan, then, in a run, training on pseudo rows drawn from the
/// fit (post-processing of the noisy marginals: no privacy cost, so its loss may be reported).
public enum PriorStage {
    /// What a run whose prior's budget is too small can change.
    public static let runAdvice = "raise --epsilon or --prior-share, or use --prior none"

    /// The prior's ρ (`share` of the plan's budget) and the σ of its 1-way measurements, refused when
    /// there is no budget to divide or it is too small for the 1-way marginals: a run checks this
    /// before any mechanism runs, its plan (`--plan`) before any row is read.
    public static func budget(plan: PrivacyBudgetPlan, share: Double, settings: AIMSettings, columns: Int,
                              advice: String = runAdvice) throws -> (rho: Double, sigma: Double) {
        guard let rho = plan.rho(share: share) else {
            guard plan.mechanismEpsilon != nil else {
                throw OptionError("the marginal prior needs --epsilon (a budget to divide), not --noise-multiplier; or use --prior none")
            }
            throw OptionError(String(format: "the releases before the prior (ε %.4g) leave nothing of the budget for it; raise --epsilon", plan.epsilon()))
        }
        let sigma = settings.initialSigma(rho: rho, columns: columns)
        guard sigma <= TrainingRecipe.largestOneWaySigma else {
            let noise = sigma.isFinite ? String(format: "each cell would get noise σ = %.0f", sigma) : "no finite noise reaches it"
            throw OptionError(String(format: "the prior's budget (%.3g of ε, ρ = %.3g zCDP) is too small even for the 1-way marginals: %@; %@", share, rho, noise, advice))
        }
        return (rho, sigma)
    }

    /// Runs AIM with `share` of the plan's budget, charges its events, and reports each round.
    /// `wholeBudgetIf`, given the noisy total of AIM's 1-way measurements, says whether the prior
    /// takes all of ε instead (DP-SGD would be too loud on that many rows).
    public static func release(rows: [Row], schema: Schema, plan: inout PrivacyBudgetPlan, share: Double, settings: AIMSettings,
                               generator: inout ChaCha20Generator, wholeBudgetIf: (Double) -> Bool = { _ in false },
                               advice: String = PriorStage.runAdvice, report: (String) -> Void) throws -> MarginalPriorRelease {
        let (rho, sigma) = try budget(plan: plan, share: share, settings: settings, columns: schema.columns.count, advice: advice)
        let started = DispatchTime.now().uptimeNanoseconds
        func seconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }
        report(String(format: "prior: AIM with ρ = %.4g (zCDP; %.3g of ε on its own); 1-way marginals of %d columns measured with σ = %.1f", rho, share, schema.columns.count, sigma))
        let names = schema.columnNames
        let whole = share < 1 ? plan.rho(share: 1) : nil
        let widen = { (total: Double) -> Double? in
            // Only a larger ρ widens it (after a balanced run's counts the share may already be all that is left).
            guard let whole, whole > rho * (1 + 1e-12), wholeBudgetIf(total) else { return nil }
            report(String(format: "prior: on about %.0f rows (the 1-way measurements' noisy total) DP-SGD would run at σ/B above %g, noise that would undo the prior's model; the prior takes the whole budget, ρ = %.4g",
                          total, TrainingRecipe.largestNoiseAfterPrior, whole))
            return whole
        }
        let release = try MarginalPriorRelease.release(rows: rows, schema: schema, rho: rho, settings: settings, generator: &generator, widen: widen) { round in
            report(String(format: "prior round %d: %@ measured with σ = %.1f (selection ε = %.3g); ρ used %.4g of %.4g; model %d cells; %.1f s",
                          round.round, round.attributes.map { names[$0] }.joined(separator: " × "), round.sigma, round.selectionEpsilon,
                          round.rhoUsed, round.rho, round.modelCells, seconds()))
        }
        plan.record(release.prior.events)
        report(String(format: "prior: %d marginals measured in %.1f s; the fit implies %d rows (noisy); ε so far %.4f",
                      release.prior.measurements.count, seconds(), release.noisyRowCount, plan.epsilon()))
        return release
    }
}

extension FinetuneRun {
    /// The prior's release, then non-private training on its pseudo rows.
    /// `share` is the prior's share of ε as the plan resolved it; `fairness`, the run's fairness terms,
    /// which read no rows and so train on the pseudo rows too (at ε below 1 the prior is all there is).
    func learnPrior(_ prior: PriorRequest, share: Double, rows: [Row], model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer,
                    fairness: TrainingTerm? = nil, plan: inout PrivacyBudgetPlan, generator: inout ChaCha20Generator, timing: StepTiming? = nil,
                    wholeBudgetIf: (Double) -> Bool = { _ in false }) throws -> PriorRecord {
        let wanted = plan.rho(share: share)
        let release = try PriorStage.release(rows: rows, schema: serializer.schema, plan: &plan, share: share, settings: prior.aim,
                                             generator: &generator, wholeBudgetIf: wholeBudgetIf, report: message)
        let share = wanted.map { release.prior.rho > $0 * (1 + 1e-12) } == true ? 1 : share
        var sampler = SplitMix64(seed: request.seed, stream: 0x9A10)
        // Fresh pseudo rows for every prior step by default: drawing them is post-processing and
        // free, and a table of the noisy total alone (665 rows on German credit) is seen ~100 times
        // in 1,000 steps, so the model would learn that sample's noise rather than the fit. As many
        // as the steps draw, never the noisy total of a large table: the draws are independent, so
        // a million pseudo rows of which 96,000 are seen teach what those 96,000 do, at 10 times the memory.
        let steps = priorStageSteps(prior, noisyRows: release.noisyRowCount, share: share, budget: request.privacy?.timeBudget, timing: timing)
        let count = prior.rows ?? steps * prior.batchSize
        let pseudo = release.pseudoRows(count: count, using: &sampler)
        if steps > 0 {
            var settings = FineTuneSettings(steps: steps, batchSize: prior.batchSize, learningRate: prior.learningRate)
            settings.warmupSteps = request.warmupSteps
            settings.seed = request.seed
            settings.evaluateEvery = 0
            settings.adam.weightDecay = request.weightDecay
            settings.workers = request.workers
            settings.averageDecay = averageDecay(resumed: nil)
            var batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: pseudo, context: model.config.contextLength)
            var unused = TrainingRecord()
            try applyColumnOrders(to: &batcher, record: &unused, resumed: nil)
            batcher.targetWeight = try priorTargetWeight(prior, schema: serializer.schema)
            let tuner = FineTuner(model: model, batcher: batcher, train: pseudo, heldOut: [], settings: settings, fairness: fairness)
            let reportEvery = max(1, settings.steps / 20)
            message("prior training: \(count) pseudo rows, \(settings.steps) steps of \(settings.batchSize) rows (no privacy cost: the rows are drawn from the noisy marginals' fit)\(fairness == nil ? "" : ", with the fairness terms")")
            events(.stageStarted(.prior, startStep: 0, totalSteps: settings.steps))
            try tuner.run(progress: { p in
                guard p.step % reportEvery == 0 || p.step == settings.steps else { return }
                events(.step(.prior, p))
            })
        }
        return release.record(share: share, pseudoRows: count, steps: steps, schema: serializer.schema)
    }

    /// The pseudo rows' target weight: the one asked for, else the recipe's when the schema names a target.
    func priorTargetWeight(_ prior: PriorRequest, schema: Schema) throws -> Double {
        guard schema.target != nil else {
            if prior.targetWeight != nil { throw OptionError("--prior-target-weight needs a target column in the schema (tablm schema infer --target)") }
            return 1
        }
        return prior.targetWeight ?? TrainingRecipe.priorTargetWeight
    }
}
