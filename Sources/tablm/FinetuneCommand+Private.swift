import ArgumentParser
import Foundation
import TablmCore

extension FinetuneCommand {
    /// `finetune --dp`: the marginal prior (unless `--prior none`), training on its pseudo rows, then
    /// DP-SGD on the real rows, every mechanism an event of one accountant (`PrivacyBudgetPlan`); see
    /// AIMMechanism and PrivateFineTuner for the mechanisms.
    func runPrivate() throws {
        var serializer = try rowText.load()
        // The prior's domain comes from the schema alone: refuse one it cannot measure before any work.
        if resume == nil && priorOptions.prior == .aim { _ = try PublicDiscretization(schema: serializer.schema) }
        var record = TrainingRecord()
        let model: GPT2<Float>
        let tokenizer: Tokenizer
        var startStep = 0
        var resumed: PrivacyRecord?
        if let resume {
            let checkpoint = try Checkpoint.load(folder: resume)
            guard let previous = checkpoint.record.privacy else {
                throw InputError("this checkpoint was not trained with --dp; a private run cannot continue it", at: SourceLocation(file: resume))
            }
            model = checkpoint.model
            tokenizer = checkpoint.tokenizer
            serializer = RowSerializer(schema: checkpoint.schema, template: checkpoint.template)
            record = checkpoint.record
            startStep = checkpoint.record.steps
            guard privacy.balanceGroups == (previous.balance != nil) else {
                throw ValidationError("--balance-groups must be given on --resume exactly when the run began with it (\(resume) was \(previous.balance == nil ? "not " : "")balanced)")
            }
            // A checkpoint saved before any DP-SGD step (--steps 0, --prior-share 1) records σ = 0:
            // continuing with it would add no noise at all.
            guard previous.noiseMultiplier > 0 else {
                throw InputError("this checkpoint was saved before any DP-SGD step (σ = 0: --steps 0 or --prior-share 1); --resume cannot continue it without noise: train it on with tablm export, or run finetune --dp again",
                                 at: SourceLocation(file: resume))
            }
            resumed = previous
        } else {
            tokenizer = try privateTokenizer(serializer)
            model = try makeModel(tokenizer: tokenizer, serializer: serializer, rows: nil, defaultLayers: Self.privateLayers, record: &record)
            if initFrom != nil { log("note: --init-from must come from public data; the guarantee covers only the rows of --data") }
        }
        try requirePublicSchema(serializer.schema)
        var plan = try resumed.map { try PrivacyBudgetPlan(record: $0, steps: startStep) }
            ?? PrivacyBudgetPlan(method: privacy.accountant, targetEpsilon: privacy.epsilon, delta: privacy.delta, schemaCost: serializer.schema.privacyCost)
        if serializer.schema.source == .dp {
            log(String(format: "privacy budget: schema (ε = %.4g, δ = %.2g) + training (ε %@, δ = %.2g)", plan.schemaCost.epsilon, plan.schemaCost.delta,
                       plan.mechanismEpsilon.map { String(format: "≤ %.4g", $0) } ?? "from σ", plan.mechanismDelta))
        }
        let table = try TableData.read(path: data, schema: serializer.schema, fitRows: true)
        var generator: ChaCha20Generator
        if let insecureSeed = privacy.insecureSeed {
            log("warning: --insecure-seed makes the noise predictable; the privacy guarantee does not hold for this run")
            generator = ChaCha20Generator(insecureSeed: insecureSeed)
        } else {
            generator = ChaCha20Generator()
        }
        let balance = try resumed?.balance ?? groupBalance(rows: table.rows, schema: serializer.schema, generator: &generator)
        if let balance, resumed == nil { plan.record([balance.countRelease]) }
        var priorRecord = resumed?.prior
        let usesPrior = resumed == nil && priorOptions.prior == .aim
        if usesPrior {
            priorRecord = try learnPrior(rows: table.rows, model: model, tokenizer: tokenizer, serializer: serializer, plan: &plan, generator: &generator)
        }
        // The whole budget went to the prior: no DP-SGD.
        let dpSteps = usesPrior && priorOptions.priorShare == 1 ? 0
            : steps ?? (priorRecord == nil ? Self.defaultSteps : Self.defaultStepsAfterPrior)
        var batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: model.config.contextLength)
        try applyColumnOrders(to: &batcher, record: &record, resumed: resume == nil ? nil : record)
        let sampleRate = resumed?.sampleRate ?? balance?.maxRate ?? min(1, Double(privacy.expectedBatchSize) / Double(table.rows.count))
        let sigma: Double
        if let previous = resumed {
            sigma = previous.noiseMultiplier
        } else if let noiseMultiplier = privacy.noiseMultiplier {
            sigma = noiseMultiplier
        } else if dpSteps == 0 {
            sigma = 0
        } else {
            guard let calibrated = plan.calibrateTraining(sampleRate: sampleRate, steps: dpSteps) else {
                throw ValidationError("epsilon \(privacy.epsilon!) cannot be reached in \(dpSteps) steps at sampling rate \(sampleRate)\(plan.accountant.history.isEmpty ? "" : " after what the prior and count releases spent"); raise --epsilon, use more rows than \(table.rows.count) (the rate is --expected-batch-size over the rows), or fewer --steps")
            }
            sigma = calibrated
        }
        if privacy.delta >= 1 / Double(table.rows.count) {
            log("warning: delta \(privacy.delta) is not below 1/rows = \(1 / Double(table.rows.count)); a smaller delta is safer")
        }
        var settings = DPSettings(noiseMultiplier: sigma, sampleRate: sampleRate, steps: dpSteps)
        settings.clipNorm = clip
        settings.microBatch = privacy.microBatch
        settings.learningRate = lr ?? (priorRecord == nil ? Self.defaultLearningRate : Self.defaultLearningRateAfterPrior)
        settings.warmupSteps = warmup
        settings.adam.weightDecay = weightDecay
        settings.seed = seed
        settings.workers = workers
        settings.balance = balance
        settings.averageDecay = averageDecay(resumed: resume == nil ? nil : record)
        record.averageDecay = settings.averageDecay
        let tuner = PrivateFineTuner(model: model, batcher: batcher, rows: table.rows, settings: settings, generator: generator,
                                     accountant: plan.accountant, fairness: try fairnessRegularizer(model: model, serializer: serializer, tokenizer: tokenizer))
        if let resume, try Checkpoint.restoreOptimizer(folder: resume, into: tuner.optimizer, average: tuner.average, parameters: model.parameters) == false {
            log("warning: \(resume) has no optimizer state; AdamW restarts from zero moments")
        }
        let remaining = PrivacyAccountant.Segment(noiseMultiplier: sigma, sampleRate: sampleRate, steps: max(dpSteps - startStep, 0))
        // A resumed run keeps its recorded σ, so more steps than it was calibrated for spend more
        // than its target: said before any step, never found out from the record afterwards.
        if resumed != nil, let target = privacy.epsilon {
            let projected = plan.epsilon(adding: [remaining])
            if projected > target * (1 + 1e-9) {
                throw ValidationError(String(format: "continuing to step %d at the recorded σ = %.4f spends ε = %.4f, more than --epsilon %@; give --steps %d (the planned length) or fewer, or --epsilon %.4f or more to accept it",
                                             dpSteps, sigma, projected, "\(target)", record.schedule?.totalSteps ?? startStep, projected))
            }
        }
        if dpSteps > 0 {
            let level = DPNoiseLevel(noiseMultiplier: sigma, expectedBatchSize: balance?.expectedBatchSize ?? sampleRate * Double(table.rows.count))
            switch level.verdict {
            case .drowned where !privacy.acceptNoise:
                throw ValidationError("the noise would drown the signal, " + level.explanation(rows: table.rows.count, steps: dpSteps) + "; --accept-noise trains anyway")
            case .drowned, .weak:
                log("warning: weak signal, " + level.explanation(rows: table.rows.count, steps: dpSteps))
            case .usable: break
            }
            log(String(format: "finetune --dp: %d parameters; sampling rate q = %.5f%@ (expected %d rows a step), noise multiplier σ = %.4f, clip C = %.3g, %d steps, lr %.2e: (ε = %.4f, δ = %.1e) when done; OpenBLAS %@",
                       model.parameterCount, sampleRate, balance == nil ? "" : ", the largest group's, charged every step", Int((balance?.expectedBatchSize ?? Double(privacy.expectedBatchSize)).rounded()), sigma, clip, dpSteps,
                       settings.learningRate, plan.epsilon(adding: [remaining]), privacy.delta, BLASInfo.coreName))
        }
        record.schedule = tuner.schedule
        record.seed = seed
        record.batchSize = privacy.expectedBatchSize
        var recordedEpsilon: Double?
        // Every checkpoint holds the average, with the iterate beside it: the run saves inside
        // `withAverage`, and so does the one before any DP-SGD step (--steps 0), where a fresh average
        // equals the prior's model.
        func save(step: Int, accountant: PrivacyAccountant) throws {
            record.steps = step
            var guarantee = plan.privacyRecord(accountant: accountant, noiseMultiplier: sigma, sampleRate: sampleRate, clipNorm: clip)
            guarantee.balance = balance
            guarantee.prior = priorRecord
            record.privacy = guarantee
            recordedEpsilon = guarantee.epsilon
            try Checkpoint(model: model, tokenizer: tokenizer, schema: serializer.schema, template: serializer.template, record: record)
                .save(to: output, optimizer: tuner.optimizer, average: tuner.average)
        }
        if dpSteps == 0 {
            log(priorOptions.priorShare == 1 ? "finetune --dp: --prior-share 1 gives the whole budget to the prior; no DP-SGD steps"
                : "finetune --dp: --steps 0: the prior alone; the rest of the budget is left for DP-SGD (tablm export)")
            try tuner.average.withAverage(in: model.parameters) { try save(step: 0, accountant: plan.accountant) }
        }
        let clock = ProgressClock(startStep: startStep, totalSteps: dpSteps)
        try tuner.run(startStep: startStep, delta: plan.mechanismDelta, reportEvery: max(1, dpSteps / 50), progress: { p in
            log(String(format: "step %d/%d  ε spent %.4f (δ = %.1e)  %.2f steps/s", p.step, p.totalSteps, p.epsilon + plan.schemaCost.epsilon,
                       privacy.delta, p.stepsPerSecond) + clock.eta(step: p.step))
        }, checkpoint: { step in try save(step: step, accountant: tuner.accountant) })
        // The last checkpoint of this run recorded the ε spent; PLD takes a fraction of a second to recompute it.
        let spent = recordedEpsilon ?? tuner.accountant.epsilon(delta: plan.mechanismDelta) + plan.schemaCost.epsilon
        log(String(format: "finetune --dp: (ε = %.4f, δ = %.1e)-DP for each row of %@ (%@ accountant%@%@); checkpoint -> %@",
                   spent, privacy.delta, data, privacy.accountant.rawValue.uppercased(), priorRecord == nil ? "" : ", marginal prior included",
                   serializer.schema.source == .dp ? ", schema estimation included" : "", output))
    }

    static let defaultLearningRate = 1e-3
    /// DP-SGD after the prior refines: fewer steps, each with less noise, and the run fits the time
    /// budget (docs/marginal-prior.md).
    static let defaultStepsAfterPrior = 100
    /// DP-SGD after the prior refines a model that already fits the marginals: a smaller step keeps
    /// what the prior gave (the marginal-prior ablation in docs/marginal-prior.md).
    static let defaultLearningRateAfterPrior = 2e-4

    /// The prior's release, then non-private training on its pseudo rows (post-processing of the
    /// noisy marginals: no privacy cost, so the loss may be printed).
    private func learnPrior(rows: [Row], model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, plan: inout PrivacyBudgetPlan,
                            generator: inout ChaCha20Generator) throws -> PriorRecord {
        let release = try priorOptions.release(rows: rows, schema: serializer.schema, plan: &plan, share: priorOptions.priorShare, generator: &generator)
        var sampler = SplitMix64(seed: seed, stream: 0x9A10)
        // Fresh pseudo rows for every prior step by default: drawing them is post-processing and
        // free, and a table of the noisy total alone (665 rows on German credit) is seen ~100 times
        // in 1,000 steps, so the model would learn that sample's noise rather than the fit.
        let count = priorOptions.priorRows ?? max(release.noisyRowCount, priorOptions.priorSteps * priorOptions.priorBatchSize)
        let pseudo = release.pseudoRows(count: count, using: &sampler)
        if priorOptions.priorSteps > 0 {
            var settings = FineTuneSettings()
            settings.steps = priorOptions.priorSteps
            settings.batchSize = priorOptions.priorBatchSize
            settings.learningRate = priorOptions.priorLr
            settings.warmupSteps = warmup
            settings.seed = seed
            settings.evaluateEvery = 0
            settings.adam.weightDecay = weightDecay
            settings.workers = workers
            settings.averageDecay = averageDecay(resumed: nil)
            var batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: pseudo, context: model.config.contextLength)
            var unused = TrainingRecord()
            try applyColumnOrders(to: &batcher, record: &unused, resumed: nil)
            let tuner = FineTuner(model: model, batcher: batcher, train: pseudo, heldOut: [], settings: settings)
            let reportEvery = max(1, settings.steps / 20)
            let clock = ProgressClock(totalSteps: settings.steps)
            log("prior training: \(count) pseudo rows, \(settings.steps) steps of \(settings.batchSize) rows (no privacy cost: the rows are drawn from the noisy marginals' fit)")
            try tuner.run(progress: { p in
                guard p.step % reportEvery == 0 || p.step == settings.steps else { return }
                log(String(format: "prior step %d/%d  epoch %.2f  loss %.4f  lr %.2e  %.0f tok/s", p.step, p.totalSteps, p.epoch, p.loss, p.learningRate,
                           p.tokensPerSecond) + clock.eta(step: p.step))
            })
        }
        return release.record(share: priorOptions.priorShare, pseudoRows: count, steps: priorOptions.priorSteps)
    }

    /// --balance-groups: the sensitive column's group counts, released with Gaussian noise (the caller
    /// charges the release to the accountant), and the rates derived from them.
    private func groupBalance(rows: [Row], schema: Schema, generator: inout ChaCha20Generator) throws -> GroupBalancedSampling? {
        guard privacy.balanceGroups else { return nil }
        let column = try fairness.sensitiveColumn(for: "--balance-groups", schema: schema)
        var noise = GaussianSampler(generator: generator.split())
        let balance = try GroupBalancedSampling.release(rows: rows, schema: schema, column: column, countNoise: privacy.balanceCountNoise,
                                                        expectedBatchSize: Double(privacy.expectedBatchSize),
                                                        maxBoost: privacy.balanceMaxBoost, noise: &noise)
        let groups = balance.groups.indices.map { g in
            String(format: "%@ ≈ %.0f → q = %.5f", balance.name(ofGroup: g), balance.noisyCounts[g], balance.rates[g])
        }
        log(String(format: "balance-groups: %@ counts released with Gaussian noise σ = %.3g (charged to the budget): %@", column,
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
                """, at: SourceLocation(file: rowText.schema))
        }
    }

    /// Under DP the tokenizer must come from a public schema, never from rows.
    private func privateTokenizer(_ serializer: RowSerializer) throws -> Tokenizer {
        guard let path = tokenizer else {
            try requirePublicSchema(serializer.schema)
            // No field pieces: the private defaults were measured with a lead-in and a value token a field.
            var options = TokenizerTrainer.Options()
            options.fieldPieceBudget = 0
            let trained = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template, options: options)
            log("tokenizer: trained from the \(serializer.schema.source == .dp ? "DP-estimated" : "public") schema alone (\(trained.report.vocabularySize) pieces)")
            return try Tokenizer(modelBytes: trained.model)
        }
        let loaded = try Tokenizer.load(path: path)
        guard case .schema(_, let source) = loaded.corpus, source != .data else {
            throw InputError("--dp needs a tokenizer trained from a public schema alone (tablm tokenizer train --schema PUBLIC.json); this one was trained on \(loaded.corpus.isRowFree ? "a schema read off rows" : "rows or elsewhere")",
                             at: SourceLocation(file: path))
        }
        return loaded
    }
}
