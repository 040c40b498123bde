import Foundation

/// What a private run will do with its budget, decided from ε, δ, a row count and the request alone,
/// before any row is read (`finetune --dp --plan`): the prior's share of ε and its steps, DP-SGD's
/// steps, expected batch, rate, clip and learning rate, and the ε each part is projected to spend.
/// The run takes the same rules (`TrainingRecipe`), with the row count the prior's fit implies in
/// place of the one planned for, so its σ differs from the projection by what N̂ − N moves the rate.
public struct PrivatePlan: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        /// ε of this part alone at the run's δ (its own accountant), and the composed ε once it is added.
        public var epsilonAlone: Double
        public var epsilonSoFar: Double
        public var detail: String
    }

    public var epsilon: Double?
    public var delta: Double
    public var rows: Int
    public var priorShare: Double?
    public var priorSteps: Int
    public var priorBatchSize: Int
    public var priorLearningRate: Double
    public var steps: Int
    public var expectedBatchSize: Int
    public var sampleRate: Double
    public var noiseMultiplier: Double?
    public var clipNorm: Double
    public var learningRate: Double
    public var parts: [Part] = []
    /// The prior stage's and DP-SGD's seconds at the speed measured (nil: not timed).
    public var projectedSeconds: Double?
    /// The request's time budget, which the prior stage's steps were cut to (nil: none).
    public var timeBudget: TimeBudget?
    /// The Rényi order of the run's filter (`PrivacyBudgetPlan.useFilter`; nil: none).
    public var filterOrder: Double?

    /// Passes over the rows DP-SGD makes in expectation.
    public var epochs: Double { Double(steps) * sampleRate }

    /// The plan of `request` for a table of `rows` rows. The prior's events are projected as the run
    /// is charged for them (`AIMMechanism.projectedEvents`: RDP's α·ρ, whatever rounds AIM runs);
    /// DP-SGD's σ is calibrated on the rest, as the run does.
    /// `timing`, when given, measures this machine's speed (`measureTiming(request:)`), once the
    /// request has passed the checks that need none: the plan then says how long the stages take,
    /// and sizes the prior stage by the request's time budget as the run does (a budget's own
    /// timing, given in tests, is used without measuring).
    public init(request: FinetuneRequest, rows: Int, timing measure: (() throws -> StepTiming)? = nil) throws {
        guard let privacy = request.privacy else { throw OptionError("a plan is for a private run (--dp)") }
        let schema = try SchemaFile.load(path: request.schema)
        var budget = try PrivacyBudgetPlan(method: privacy.accountant, targetEpsilon: privacy.epsilon, delta: privacy.delta,
                                           schemaCost: schema.privacyCost)
        epsilon = privacy.epsilon
        delta = privacy.delta
        self.rows = rows
        let prior = privacy.prior
        // As the run: with a prior it sizes by the prior's noisy total, near the plan's rows (without
        // one the plan's rows stand for a count declared public), or balanced, on the groups' counts.
        if PrivacyBudgetPlan.choosesOnReleases(targetEpsilon: privacy.epsilon, publicRows: prior == nil, balanceGroups: privacy.balanceGroups, steps: request.steps) {
            budget.useFilter()
        }
        filterOrder = budget.accountant.filterOrder
        priorShare = privacy.priorShare
        // The group counts are released before the prior, as in the run: what they leave sizes the
        // prior and decides whether DP-SGD runs.
        let mechanismDelta = budget.mechanismDelta
        func alone(_ events: [PrivacyEvent]) -> Double { PrivacyAccountant(method: privacy.accountant, history: events).epsilon(delta: mechanismDelta) }
        if schema.privacyCost.map({ $0.epsilon > 0 }) ?? false {
            parts.append(Part(name: "schema", epsilonAlone: budget.schemaCost.epsilon, epsilonSoFar: budget.epsilon(),
                              detail: "estimated under DP (basic composition)"))
        }
        if privacy.balanceGroups {
            let event = GroupBalancedSampling.countRelease(noise: privacy.balanceCountNoise)
            budget.record([event])
            parts.append(Part(name: "group counts", epsilonAlone: alone([event]), epsilonSoFar: budget.epsilon(),
                              detail: String(format: "Gaussian σ = %g; the steps are then charged at the largest group's rate, which this plan does not know", privacy.balanceCountNoise)))
        }
        // The run checks the prior's budget at the share asked for, before a small table may widen it.
        if let share = priorShare { _ = try PriorStage.budget(plan: budget, share: share, settings: prior?.aim ?? AIMSettings(), columns: schema.columns.count) }
        // A table too small for DP-SGD's noise: the prior takes all of ε, as the run decides on the
        // prior's noisy total.
        var tooSmall = false
        if let share = priorShare, share < 1, request.planSizesTheSplit,
           TrainingRecipe.leavesDPSGDOut(plan: budget, priorShare: share, columns: schema.columns.count, rows: Double(rows), expectedBatchSize: privacy.expectedBatchSize,
                                         steps: TrainingRecipe.privateStepsAfterPrior) {
            priorShare = 1
            tooSmall = true
        }
        priorBatchSize = prior?.batchSize ?? TrainingRecipe.priorBatchSize
        priorSteps = prior.map { $0.steps ?? TrainingRecipe.priorSteps(noisyRows: rows, batchSize: $0.batchSize) } ?? 0
        priorLearningRate = prior?.learningRate ?? TrainingRecipe.priorLearningRate
        steps = TrainingRecipe.privateSteps(requested: request.steps, priorShare: priorShare, afterPrior: prior != nil)
        expectedBatchSize = privacy.expectedBatchSize
        sampleRate = min(1, Double(privacy.expectedBatchSize) / Double(rows))
        clipNorm = request.clipNorm
        learningRate = request.learningRate ?? TrainingRecipe.privateLearningRate(afterPrior: prior != nil)
        timeBudget = privacy.timeBudget
        var timing = privacy.timeBudget?.timing
        if let budget = privacy.timeBudget {
            // The run's rules: refused without a prior stage to size, or without room for the least
            // one; then the table's stage cut to what DP-SGD leaves.
            try budget.check(request, timing: nil)
            if timing == nil { timing = try measure?() }
            if let timing {
                try budget.check(request, timing: timing)
                priorSteps = budget.stageSteps(planned: priorSteps, privateSteps: steps, timing: timing)
            }
        }
        if let priorShare {
            let rho = try PriorStage.budget(plan: budget, share: priorShare, settings: prior?.aim ?? AIMSettings(), columns: schema.columns.count).rho
            let events = AIMMechanism.projectedEvents(rho: rho, columns: schema.columns.count)
            budget.record(events)
            parts.append(Part(name: "prior", epsilonAlone: alone(events), epsilonSoFar: budget.epsilon(),
                              detail: String(format: "%.3g of ε: ρ = %.4g zCDP (AIM's measurements and selections); then %d steps of %d pseudo rows at lr %.2g, no privacy cost",
                                             priorShare, rho, priorSteps, priorBatchSize, priorLearningRate)))
        }
        if tooSmall {
            parts.append(Part(name: "DP-SGD", epsilonAlone: 0, epsilonSoFar: budget.epsilon(),
                              detail: String(format: "none: on %d rows the ε DP-SGD would get buys only noise above σ/B = %g, which would undo the prior's model, so the prior takes the whole budget (the run decides on the prior's noisy total)",
                                             rows, TrainingRecipe.largestNoiseAfterPrior)))
        }
        if steps > 0 {
            if let sigma = privacy.noiseMultiplier {
                noiseMultiplier = sigma
            } else {
                guard let sigma = budget.calibrateTraining(sampleRate: sampleRate, steps: steps) else {
                    throw OptionError("epsilon \(privacy.epsilon ?? 0) cannot be reached in \(steps) steps at sampling rate \(sampleRate); raise --epsilon, plan for more rows, or fewer --steps")
                }
                noiseMultiplier = sigma
            }
            let level = DPNoiseLevel(noiseMultiplier: noiseMultiplier!, expectedBatchSize: sampleRate * Double(rows))
            if prior != nil, request.steps == nil, privacy.noiseMultiplier == nil,
               !TrainingRecipe.runsDPSGDAfterPrior(noiseMultiplier: level.noiseMultiplier, expectedBatchSize: level.expectedBatchSize) {
                parts.append(Part(name: "DP-SGD", epsilonAlone: 0, epsilonSoFar: budget.epsilon(),
                                  detail: String(format: "none: at σ/B = %.3g (σ = %.4g) its noise would undo the prior's model (it runs at σ/B ≤ %g; the run decides on the prior's noisy total); the rest of ε stays unused (--prior-share 1 gives it to the prior)",
                                                 level.effectiveNoise, level.noiseMultiplier, TrainingRecipe.largestNoiseAfterPrior)))
                steps = 0
                noiseMultiplier = nil
                try time(timing ?? measure?())
                return
            }
            let event = PrivacyEvent(noiseMultiplier: noiseMultiplier!, sampleRate: sampleRate, steps: steps)
            budget.record([event])
            parts.append(Part(name: "DP-SGD", epsilonAlone: alone([event]), epsilonSoFar: budget.epsilon(),
                              detail: String(format: "%d steps, %d rows a step in expectation (q = %.5f, %.2f epochs), σ = %.4f, clip C = %g, lr %.2g",
                                             steps, expectedBatchSize, sampleRate, epochs, noiseMultiplier!, clipNorm, learningRate)))
        }
        try time(timing ?? measure?())
    }

    /// The stages' time at `timing`, once the plan's steps are final.
    private mutating func time(_ timing: StepTiming?) {
        projectedSeconds = timing.map { TimeBudget.projectedSeconds(priorSteps: priorSteps, privateSteps: steps, timing: $0) }
    }

    /// The plan as lines for a terminal.
    public var lines: [String] {
        let count = priorShare == nil ? "the run takes --rows, or releases a noisy count and charges it" : "the run sizes by the prior's noisy total, near it"
        var lines = [String(format: "plan for ε = %@, δ = %g, %d rows (%@):", epsilon.map { String(format: "%g", $0) } ?? "from σ", delta, rows, count)]
        for part in parts {
            lines.append(String(format: "  %@: ε %.4f alone, %.4f in all so far; %@", part.name, part.epsilonAlone, part.epsilonSoFar, part.detail))
        }
        if let filterOrder, let epsilon {
            lines.append(String(format: "  total: ε = %g, δ = %g: a Rényi filter at order %g, fixed before any release (the run's rate, σ and split follow from its noisy counts; every path stays within ε, this one at %.4f)",
                                epsilon, delta, filterOrder, parts.last?.epsilonSoFar ?? 0))
        } else {
            lines.append(String(format: "  total: ε = %.4f (projected), δ = %g", parts.last?.epsilonSoFar ?? 0, delta))
        }
        if let projectedSeconds {
            lines.append(String(format: "  time: about %.1f min for the prior stage and DP-SGD on this machine%@ (AIM's rounds and generation not counted)",
                                projectedSeconds / 60, timeBudget.map { String(format: ", within --minutes %g", $0.seconds / 60) } ?? ""))
        }
        return lines
    }

    /// The speed of this request's steps on this machine, at the shapes its run would have (the
    /// tokenizer and context from the schema alone, or --init-from's model), on random tokens.
    public static func measureTiming(request: FinetuneRequest) throws -> StepTiming {
        guard let privacy = request.privacy else { throw OptionError("a plan is for a private run (--dp)") }
        let run = FinetuneRun(request)
        let serializer = try RowSerializer.load(schema: request.schema, template: request.template)
        let tokenizer = try run.privateTokenizer(serializer)
        let config = try run.modelConfig(tokenizer: tokenizer, serializer: serializer, rows: nil, defaultLayers: TrainingRecipe.privateLayers)
        try run.requireMemory(config: config, length: config.contextLength, large: nil)   // the timed steps build the run's model and steps
        return run.measureStepTiming(privacy, config: config)
    }
}
