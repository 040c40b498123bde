import Foundation

extension FinetuneRun {
    /// The private path: the marginal prior (unless the request has none), training on its pseudo
    /// rows, then DP-SGD on the real rows, every mechanism an event of one accountant
    /// (`PrivacyBudgetPlan`); see AIMMechanism and PrivateFineTuner for the mechanisms.
    func runPrivate(_ privacy: PrivacyRequest) throws {
        var serializer = try RowSerializer.load(schema: request.schema, template: request.template)
        // The prior's domain comes from the schema alone: refuse one it cannot measure before any work.
        if request.resume == nil, let prior = privacy.prior {
            _ = try PublicDiscretization(schema: serializer.schema, bins: prior.aim.bins)
            _ = try priorTargetWeight(prior, schema: serializer.schema)
        }
        try requireMemory(columns: serializer.schema.columns.count)
        var record = TrainingRecord()
        let model: GPT2<Float>
        let tokenizer: Tokenizer
        var resumed: PrivacyRecord?
        if let resume = request.resume {
            let checkpoint = Resumed(checkpoint: try Checkpoint.load(folder: resume))
            guard let previous = checkpoint.record.privacy else {
                throw InputError("this checkpoint was not trained with --dp; a private run cannot continue it", at: SourceLocation(file: resume))
            }
            try refuseWhatResumeIgnores(checkpoint.checkpoint, schema: serializer.schema)
            model = checkpoint.checkpoint.model
            tokenizer = checkpoint.checkpoint.tokenizer
            serializer = checkpoint.serializer
            record = checkpoint.record
            guard privacy.balanceGroups == (previous.balance != nil) else {
                throw OptionError("--balance-groups must be given on --resume exactly when the run began with it (\(resume) was \(previous.balance == nil ? "not " : "")balanced)")
            }
            // A checkpoint saved before any DP-SGD step (--steps 0, --prior-share 1, DP-SGD left out) records σ = 0:
            // continuing with it would add no noise at all.
            guard previous.noiseMultiplier > 0 else {
                throw InputError("this checkpoint was saved before any DP-SGD step (σ = 0: --steps 0, --prior-share 1, or DP-SGD too loud for the table); --resume cannot continue it without noise: train it on with tablm export, or run finetune --dp again",
                                 at: SourceLocation(file: resume))
            }
            resumed = previous
        } else {
            tokenizer = try privateTokenizer(serializer)
            model = try makeModel(tokenizer: tokenizer, serializer: serializer, rows: nil, defaultLayers: TrainingRecipe.privateLayers, large: nil, record: &record)
            if request.initFrom != nil { message("note: --init-from must come from public data; the guarantee covers only the rows of --data") }
        }
        let startStep = request.resume == nil ? 0 : record.steps
        // --resume continues with the blocks the run began with unless told otherwise.
        let trainedBlocks = privacy.trainedBlocks ?? (request.resume == nil ? nil : record.trainedBlocks)
        if let blocks = trainedBlocks, !(1...model.config.layers).contains(blocks) {
            throw OptionError("--dp-blocks \(blocks): the model has \(model.config.layers) block\(model.config.layers == 1 ? "" : "s")")
        }
        try requireStepsBeyond(startStep, total: request.steps)
        try requirePublicSchema(serializer.schema)
        let timing = try budgetTiming(privacy, config: model.config)
        let targetWeight = try targetWeight(schema: serializer.schema, resumed: request.resume == nil ? nil : record,
                                            recipe: TrainingRecipe.privateTargetWeight)
        // A resumed record that claims less than its events compose to (before 0.43, the prior's rounds
        // by PLD) is refused with the figure that holds, before any step is charged on top of it.
        var plan = try resumed.map {
            try PrivacyBudgetPlan.verified(record: $0, steps: startStep, file: URL(fileURLWithPath: request.resume!).appendingPathComponent(Checkpoint.recordFile).path).plan
        }
            ?? PrivacyBudgetPlan(method: privacy.accountant, targetEpsilon: privacy.epsilon, delta: privacy.delta, schemaCost: serializer.schema.privacyCost)
        // Fixed before any release: a run that chooses on what it releases is a filter at one order.
        if resumed == nil, PrivacyBudgetPlan.choosesOnReleases(targetEpsilon: privacy.epsilon, publicRows: privacy.rows != nil,
                                                               balanceGroups: privacy.balanceGroups, steps: request.steps) {
            plan.useFilter()
        }
        if serializer.schema.source == .dp {
            message(String(format: "privacy budget: schema (ε = %.4g, δ = %.2g) + training (ε %@, δ = %.2g)", plan.schemaCost.epsilon, plan.schemaCost.delta,
                           plan.mechanismEpsilon.map { String(format: "≤ %.4g", $0) } ?? "from σ", plan.mechanismDelta))
        }
        let table = try TableData.read(path: request.data, schema: serializer.schema, fitRows: true)
        // Before any mechanism runs: a row that does not fit the context stops the run with nothing
        // spent, and without saying how long the longest row is (a statistic of the rows).
        var batcher: RowBatcher
        do {
            batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: model.config.contextLength)
        } catch {
            throw InputError("a row of \(request.data) cannot be tokenized within the context of \(model.config.contextLength) tokens sized from the schema (nothing was spent; how long it is stays private); give a larger --context, or a tokenizer trained from this schema")
        }
        // The fairness terms too, which both stages train with: a bad column stopped the run only
        // after the prior spent its ε, and a resumed run keeps the terms it began with.
        let fairness = try fairnessTerm(model: model, serializer: serializer, tokenizer: tokenizer)
        let terms = fairnessRecord(fairness, schema: serializer.schema)
        try refuseAChangedFairnessTerm(terms, resumed: request.resume == nil ? nil : record)
        record.fairness = terms
        // The budget is checked with the group counts' release in it, before the counts are released
        // (a release that cost four times the target was printed before the refusal).
        var counted = plan
        if resumed == nil, privacy.balanceGroups {
            counted.record([GroupBalancedSampling.countRelease(noise: privacy.balanceCountNoise)])
            if let target = privacy.epsilon, counted.epsilon() >= target {
                throw OptionError(String(format: "--balance-groups: the group counts' release at σ = %g alone spends ε %.4g of --epsilon %g; raise --balance-count-noise or --epsilon",
                                         privacy.balanceCountNoise, counted.epsilon(), target))
            }
        }
        if resumed == nil, let prior = privacy.prior, let share = privacy.priorShare {
            _ = try PriorStage.budget(plan: counted, share: share, settings: prior.aim, columns: serializer.schema.columns.count)
        }
        var generator: ChaCha20Generator
        if let insecureSeed = privacy.insecureSeed {
            message("warning: --insecure-seed makes the noise predictable; the privacy guarantee does not hold for this run")
            generator = ChaCha20Generator(insecureSeed: insecureSeed)
        } else {
            generator = ChaCha20Generator()
        }
        let balance = try resumed?.balance ?? groupBalance(privacy, rows: table.rows, schema: serializer.schema, generator: &generator)
        if let balance, resumed == nil { plan.record([balance.countRelease]) }
        var priorRecord = resumed?.prior
        let prior = resumed == nil ? privacy.prior : nil
        let priorShare = resumed == nil ? privacy.priorShare : nil
        if let prior, let priorShare {
            // A table too small for DP-SGD's noise gives the prior all of ε, decided on the noisy
            // total of its first measurements (a count declared public where there is one); not
            // when the split, the steps or σ were asked for.
            let before = plan
            priorRecord = try learnPrior(prior, share: priorShare, rows: table.rows, model: model, tokenizer: tokenizer, serializer: serializer,
                                         fairness: fairness, plan: &plan, generator: &generator, timing: timing, wholeBudgetIf: { total in
                guard request.planSizesTheSplit else { return false }
                let steps = TrainingRecipe.privateStepsAfterPrior
                if let balance {
                    return TrainingRecipe.leavesDPSGDOut(plan: before, priorShare: priorShare, columns: serializer.schema.columns.count, sampleRate: balance.maxRate,
                                                         expectedBatchSize: max(balance.expectedBatchSize, 1), steps: steps)
                }
                return TrainingRecipe.leavesDPSGDOut(plan: before, priorShare: priorShare, columns: serializer.schema.columns.count, rows: privacy.rows.map(Double.init) ?? total,
                                                     expectedBatchSize: privacy.expectedBatchSize, steps: steps)
            })
        }
        // The whole budget went to the prior: no DP-SGD.
        var dpSteps = TrainingRecipe.privateSteps(requested: request.steps, priorShare: priorShare, afterPrior: priorRecord != nil)
        try applyColumnOrders(to: &batcher, record: &record, resumed: resumed == nil ? nil : record)
        batcher.targetWeight = targetWeight
        record.targetWeight = targetWeight == 1 ? nil : targetWeight
        // The rate is the expected batch over a row count, and the true count is private: the count is
        // one declared public (--rows), or one released with noise (the prior's total, the balanced
        // groups' counts, or else a count of its own, charged here).
        var rateRows = resumed?.rateRows ?? privacy.rows.map(Double.init) ?? priorRecord?.noisyRows.map(Double.init)
            ?? balance.map { $0.noisyCounts.reduce(0, +) }
        if rateRows == nil, resumed == nil, dpSteps > 0 {
            rateRows = RowCountRelease.release(table.rows.count, generator: &generator)
            plan.record([RowCountRelease.event])
            message(RowCountRelease.note("finetune --dp"))
        }
        let countedRows = max(rateRows ?? Double(privacy.expectedBatchSize), 1)
        // σ given, no target: no budget to filter, so the rate a released count gave is this run's own.
        if resumed == nil, privacy.epsilon == nil, dpSteps > 0, privacy.rows == nil || balance != nil {
            message("warning: --noise-multiplier without --epsilon: DP-SGD's rate is over a count released with noise, so the ε recorded holds for the rate this run's count gave, not for every count it could have released; give --epsilon (a Rényi filter) or a public --rows N without --balance-groups (docs/privacy.md, \"A filter at one order\")")
        }
        let sampleRate = resumed?.sampleRate ?? balance?.maxRate ?? min(1, Double(privacy.expectedBatchSize) / countedRows)
        // What the noisy gradient sum is divided by: never the rows drawn, nor the true count. A
        // resumed run's is its recorded rate over its recorded count, as it began (the batch asked for
        // was read back instead: 200 where a rate capped at 1 over 100 rows had divided by 100).
        let expectedBatch = balance?.expectedBatchSize
            ?? (resumed != nil && resumed?.rateRows == nil ? Double(record.batchSize ?? privacy.expectedBatchSize) : sampleRate * countedRows)
        // After the prior, DP-SGD too loud to add to it is left out, its share of ε unspent: decided
        // on the prior's noisy total (post-processing), unless steps or σ were asked for.
        let leftOut = resumed == nil && priorRecord != nil && request.steps == nil && privacy.noiseMultiplier == nil
            && TrainingRecipe.leavesDPSGDOut(after: plan, sampleRate: sampleRate, expectedBatchSize: expectedBatch, steps: dpSteps)
        if leftOut { dpSteps = 0 }
        var sigma: Double
        if let previous = resumed {
            sigma = previous.noiseMultiplier
        } else if let noiseMultiplier = privacy.noiseMultiplier {
            sigma = noiseMultiplier
        } else if dpSteps == 0 {
            sigma = 0
        } else {
            guard let calibrated = plan.calibrateTraining(sampleRate: sampleRate, steps: dpSteps) else {
                throw OptionError("epsilon \(privacy.epsilon!) cannot be reached in \(dpSteps) steps at sampling rate \(sampleRate)\(plan.accountant.history.isEmpty ? "" : " after what the prior and count releases spent"); raise --epsilon, use more rows than about \(Int(countedRows.rounded())) (the rate is --expected-batch-size over the rows), or fewer --steps")
            }
            sigma = calibrated
        }
        // Noise that drowns the signal is refused before DP-SGD; after a prior has spent its share,
        // refusing would waste that ε, so DP-SGD is left out and the prior's training is kept.
        let noise = DPNoiseLevel(noiseMultiplier: sigma, expectedBatchSize: expectedBatch)
        var drowned = false
        if dpSteps > 0, noise.verdict == .drowned, !privacy.acceptNoise {
            let explanation = noise.explanation(rows: Int(countedRows.rounded()), steps: dpSteps)
            guard resumed == nil, priorRecord != nil else {
                throw OptionError("the noise would drown the signal, " + explanation + "; --accept-noise trains anyway")
            }
            message("no DP-SGD steps: the noise would drown the signal, \(explanation); the prior's training is kept and the rest of ε unused (--accept-noise trains anyway)")
            dpSteps = 0
            sigma = 0
            drowned = true
        }
        if let warning = PrivacyBudgetPlan.deltaWarning(delta: privacy.delta, rows: countedRows) { message(warning) }
        var settings = DPSettings(noiseMultiplier: sigma, sampleRate: sampleRate, steps: dpSteps)
        settings.clipNorm = request.clipNorm
        settings.microBatch = privacy.microBatch
        settings.trainable = trainedBlocks.map { model.layout.lastBlocks($0, of: model.config.layers) }
        record.trainedBlocks = trainedBlocks
        // A resumed run keeps its schedule's peak rate unless told otherwise.
        settings.learningRate = request.learningRate ?? (resumed != nil ? record.schedule?.peak : nil)
            ?? TrainingRecipe.privateLearningRate(afterPrior: priorRecord != nil)
        settings.warmupSteps = request.warmupSteps
        settings.adam.weightDecay = request.weightDecay
        settings.seed = request.seed
        settings.workers = request.workers
        settings.balance = balance
        settings.expectedBatchSize = expectedBatch
        settings.averageDecay = averageDecay(resumed: resumed == nil ? nil : record)
        record.averageDecay = settings.averageDecay
        let remaining = PrivacyEvent(noiseMultiplier: sigma, sampleRate: sampleRate, steps: max(dpSteps - startStep, 0))
        // A filter's checkpoint continued within its claim goes on as the same filter; past it (more
        // steps than its budget holds) the new steps are charged on top of the whole budget, which
        // was its guarantee whatever its own path spent; --epsilon is then only the ceiling.
        if resumed != nil, let claim = plan.filterClaim, plan.epsilon(adding: [remaining]) > claim * (1 + 1e-9) {
            plan.chargePastClaim()
        }
        let tuner = PrivateFineTuner(model: model, batcher: batcher, rows: table.rows, settings: settings, generator: generator,
                                     accountant: plan.accountant, fairness: fairness)
        try restoreOptimizer(into: tuner.optimizer, average: tuner.average, model: model)
        // A resumed run keeps its recorded σ, so more steps than it was calibrated for spend more
        // than its target: said before any step, never found out from the record afterwards.
        if resumed != nil, let target = privacy.epsilon {
            let projected = plan.epsilon(adding: [remaining])
            if projected > target * (1 + 1e-9) {
                throw OptionError(String(format: "continuing to step %d at the recorded σ = %.4f spends ε = %.4f, more than --epsilon %@; give --steps %d (the planned length) or fewer, or --epsilon %.4f or more to accept it",
                                         dpSteps, sigma, projected, "\(target)", record.schedule?.totalSteps ?? startStep, (projected * 1e4).rounded(.up) / 1e4))
            }
        }
        if dpSteps > 0 {
            if noise.verdict != .usable { message("warning: weak signal, " + noise.explanation(rows: Int(countedRows.rounded()), steps: dpSteps)) }
            message(String(format: "finetune --dp: %d parameters; sampling rate q = %.5f%@ (expected %d rows a step), noise multiplier σ = %.4f, clip C = %.3g, %d steps, lr %.2e: (ε = %.4f, δ = %.1e) when done; OpenBLAS %@",
                           model.parameterCount, sampleRate, balance == nil ? "" : ", the largest group's, charged every step", Int(expectedBatch.rounded()), sigma, request.clipNorm, dpSteps,
                           settings.learningRate, plan.guarantee(adding: [remaining]), privacy.delta, BLASInfo.coreName))
        }
        record.schedule = tuner.schedule
        record.seed = request.seed
        // The expected batch the noisy sum is divided by: a resumed run keeps its own (it wrote the
        // default 256 over a run begun at 64, and the next --resume divided by 256).
        if resumed == nil { record.batchSize = privacy.expectedBatchSize }
        var recordedEpsilon: Double?
        // Every checkpoint holds the average, with the iterate beside it: the run saves inside
        // `withAverage`, and so does the one before any DP-SGD step (--steps 0), where a fresh average
        // equals the prior's model.
        func save(step: Int, accountant: PrivacyAccountant) throws {
            record.steps = step
            var guarantee = plan.privacyRecord(accountant: accountant, noiseMultiplier: sigma, sampleRate: sampleRate, clipNorm: request.clipNorm)
            guarantee.balance = balance
            guarantee.prior = priorRecord
            guarantee.rateRows = rateRows
            guarantee.insecureSeed = privacy.insecureSeed != nil || resumed?.insecureSeed == true ? true : nil
            record.privacy = guarantee
            recordedEpsilon = guarantee.epsilon
            try self.save(model: model, tokenizer: tokenizer, serializer: serializer, record: record, optimizer: tuner.optimizer, average: tuner.average)
        }
        if dpSteps == 0 {
            if leftOut, priorRecord?.share == 1 {
                message(String(format: "finetune --dp: no DP-SGD steps: the prior took the whole budget, since DP-SGD on this table would run at σ/B above %g; --steps runs DP-SGD anyway, on the share --prior-share leaves it",
                               TrainingRecipe.largestNoiseAfterPrior))
            } else if leftOut {
                message(String(format: "finetune --dp: no DP-SGD steps: the ε left buys only noise above σ/B = %g over an expected %.0f rows a step, which would undo the prior's model; its share stays unused%@; --prior-share 1 gives the prior the whole budget, --steps runs DP-SGD anyway",
                               TrainingRecipe.largestNoiseAfterPrior, expectedBatch,
                               plan.accountant.filterOrder == nil ? String(format: " (ε %.4f spent)", plan.epsilon())
                                   : String(format: ", and the guarantee is still ε = %g: the choice was made on a released count", privacy.epsilon ?? 0)))
            } else if !drowned {
                message(priorShare == 1 ? "finetune --dp: the prior takes the whole budget (--prior-share 1, the plan's below ε = 1); no DP-SGD steps"
                        : "finetune --dp: --steps 0: the prior alone; the rest of the budget is left for DP-SGD (tablm export)")
            }
            if balance != nil, resumed == nil {
                message("finetune --dp: --balance-groups: no DP-SGD step ran, so no row was sampled by group; the rows the model learned are in the prior's mix, the table's (generate restores nothing)")
            }
            try tuner.average.withAverage(in: model.parameters) { try save(step: 0, accountant: plan.accountant) }
        }
        events(.stageStarted(.privateTraining, startStep: startStep, totalSteps: dpSteps))
        try tuner.run(startStep: startStep, delta: plan.mechanismDelta, reportEvery: max(1, dpSteps / 50), progress: { p in
            var p = p
            p.epsilon += plan.schemaCost.epsilon
            events(.privateStep(p))
        }, checkpoint: { step in try save(step: step, accountant: tuner.accountant) })
        // The last checkpoint of this run recorded the ε spent; PLD takes a fraction of a second to recompute it.
        let spent = recordedEpsilon ?? tuner.accountant.epsilon(delta: plan.mechanismDelta) + plan.schemaCost.epsilon
        message(String(format: "finetune --dp: (ε = %.4f, δ = %.1e)-DP for each row of %@ (%@%@%@); checkpoint -> %@",
                       spent, privacy.delta, request.data,
                       tuner.accountant.compositionName,
                       priorRecord == nil ? "" : ", marginal prior included",
                       serializer.schema.source == .dp ? ", schema estimation included" : "", request.output))
    }

    /// Balanced sampling: the sensitive column's group counts, released with Gaussian noise (the
    /// caller charges the release to the accountant), and the rates derived from them.
    private func groupBalance(_ privacy: PrivacyRequest, rows: [Row], schema: Schema, generator: inout ChaCha20Generator) throws -> GroupBalancedSampling? {
        guard privacy.balanceGroups else { return nil }
        let column = try request.fairness.columns.sensitiveColumn(for: "--balance-groups", schema: schema)
        var noise = GaussianSampler(generator: generator.split())
        let balance = try GroupBalancedSampling.release(rows: rows, schema: schema, column: column, countNoise: privacy.balanceCountNoise,
                                                        expectedBatchSize: Double(privacy.expectedBatchSize),
                                                        maxBoost: privacy.balanceMaxBoost, noise: &noise)
        let groups = balance.groups.indices.map { g in
            String(format: "%@ ≈ %.0f → q = %.5f", balance.name(ofGroup: g), balance.noisyCounts[g], balance.rates[g])
        }
        message(String(format: "balance-groups: %@ counts released with Gaussian noise σ = %.3g (charged to the budget): %@", column,
                       balance.countNoise, groups.joined(separator: ", ")))
        return balance
    }

    /// Under DP the schema must not come from the private rows: its categories and ranges would leak.
    private func requirePublicSchema(_ schema: Schema) throws {
        guard schema.source != .data else {
            throw InputError("""
                the schema says "source": "data": it was read off rows and reveals their categories and ranges, which --dp cannot allow. \
                Write a schema from public knowledge (a codebook, published value lists, safe bounds) and mark it "source": "public", \
                or estimate one under DP (tablm schema infer --dp-epsilon)
                """, at: SourceLocation(file: request.schema))
        }
    }

    /// Under DP the tokenizer must come from a public schema, never from rows.
    func privateTokenizer(_ serializer: RowSerializer) throws -> Tokenizer {
        guard let path = request.tokenizer else {
            try requirePublicSchema(serializer.schema)
            let options = TrainingRecipe.tokenizerOptions(large: false, privately: true, keepApart: [])
            let trained = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template, options: options)
            message("tokenizer: trained from the \(serializer.schema.source == .dp ? "DP-estimated" : "public") schema alone (\(trained.report.vocabularySize) pieces)")
            return try Tokenizer(modelBytes: trained.model)
        }
        let loaded = try Tokenizer.load(path: path)
        guard case .schema(_, let source) = loaded.corpus, source != .data else {
            throw InputError("--dp needs a tokenizer trained from a public schema alone (tablm tokenizer train --schema PUBLIC.json); this one was trained on \(loaded.corpus.isRowFree ? "a schema read off rows" : "rows or elsewhere")",
                             at: SourceLocation(file: path))
        }
        try requireSpelling(by: loaded, at: path, of: serializer.schema)
        return loaded
    }
}
