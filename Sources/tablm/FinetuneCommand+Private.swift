import ArgumentParser
import Foundation
import TablmCore

extension FinetuneCommand {
    /// `finetune --dp`: DP-SGD with an accountant; see PrivateFineTuner for the mechanism.
    func runPrivate() throws {
        var serializer = try rowText.load()
        var record = TrainingRecord()
        let model: GPT2<Float>
        let tokenizer: Tokenizer
        var startStep = 0
        var accountant = PrivacyAccountant(method: privacy.accountant)
        var resumedBalance: GroupBalancedSampling?
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
            resumedBalance = previous.balance
            if let release = previous.balance?.countRelease { accountant.record(release) }
            accountant.record(noiseMultiplier: previous.noiseMultiplier, sampleRate: previous.sampleRate, steps: startStep)
        } else {
            tokenizer = try privateTokenizer(serializer)
            model = try makeModel(tokenizer: tokenizer, serializer: serializer, rows: nil, record: &record)
            if initFrom != nil { log("note: --init must come from public data; the guarantee covers only the rows of --data") }
        }
        try requirePublicSchema(serializer.schema)
        // A schema estimated under DP has spent part of the budget: training gets the rest.
        let schemaCost = serializer.schema.privacyCost ?? PrivacyCost(epsilon: 0, delta: 0)
        let trainingDelta = privacy.delta - schemaCost.delta
        guard trainingDelta > 0 else {
            throw ValidationError("--delta \(privacy.delta) is used up by the schema's estimation (delta \(schemaCost.delta)); raise --delta")
        }
        let trainingTarget = privacy.epsilon.map { $0 - schemaCost.epsilon }
        if let trainingTarget, trainingTarget <= 0 {
            throw ValidationError("--epsilon \(privacy.epsilon!) is used up by the schema's estimation (epsilon \(schemaCost.epsilon)); raise --epsilon")
        }
        if serializer.schema.source == .dp {
            log(String(format: "privacy budget: schema (ε = %.4g, δ = %.2g) + training (ε %@, δ = %.2g)", schemaCost.epsilon, schemaCost.delta,
                       trainingTarget.map { String(format: "≤ %.4g", $0) } ?? "from σ", trainingDelta))
        }
        let table = try TableData.read(path: data, schema: serializer.schema, fitRows: true)
        let batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: model.config.contextLength)
        var generator: ChaCha20Generator
        if let insecureSeed = privacy.insecureSeed {
            log("warning: --insecure-seed makes the noise predictable; the privacy guarantee does not hold for this run")
            generator = ChaCha20Generator(insecureSeed: insecureSeed)
        } else {
            generator = ChaCha20Generator()
        }
        let balance = try resumedBalance ?? groupBalance(rows: table.rows, schema: serializer.schema, generator: &generator)
        if let balance, resumedBalance == nil { accountant.record(balance.countRelease) }
        let prior = balance.map { [$0.countRelease] } ?? []
        let sampleRate = balance?.maxRate ?? min(1, Double(privacy.expectedBatchSize) / Double(table.rows.count))
        let sigma: Double
        if let noiseMultiplier = privacy.noiseMultiplier {
            sigma = noiseMultiplier
        } else {
            guard let calibrated = PrivacyAccountant.calibrate(targetEpsilon: trainingTarget!, delta: trainingDelta, sampleRate: sampleRate,
                                                               steps: steps, method: privacy.accountant, prior: prior) else {
                throw ValidationError("epsilon \(trainingTarget!) cannot be reached in \(steps) steps at sampling rate \(sampleRate)\(balance == nil ? "" : " after the group counts' release")")
            }
            sigma = calibrated
        }
        if privacy.delta >= 1 / Double(table.rows.count) {
            log("warning: delta \(privacy.delta) is not below 1/rows = \(1 / Double(table.rows.count)); a smaller delta is safer")
        }
        var settings = DPSettings(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps)
        settings.clipNorm = clip
        settings.microBatch = privacy.microBatch
        settings.learningRate = lr
        settings.warmupSteps = warmup
        settings.adam.weightDecay = weightDecay
        settings.seed = seed
        settings.workers = workers
        settings.balance = balance
        let tuner = PrivateFineTuner(model: model, batcher: batcher, rows: table.rows, settings: settings, generator: generator,
                                     accountant: accountant, fairness: try fairnessRegularizer(model: model, serializer: serializer, tokenizer: tokenizer))
        if let resume, try Checkpoint.restoreOptimizer(folder: resume, into: tuner.optimizer) == false {
            log("warning: \(resume) has no optimizer state; AdamW restarts from zero moments")
        }
        var planned = PrivacyAccountant(method: privacy.accountant)
        prior.forEach { planned.record($0) }
        planned.record(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps)
        log(String(format: "finetune --dp: %d parameters; sampling rate q = %.5f%@ (expected %d rows a step), noise multiplier σ = %.4f, clip C = %.3g, %d steps: (ε = %.4f, δ = %.1e) when done; OpenBLAS %@",
                   model.parameterCount, sampleRate, balance == nil ? "" : ", the largest group's, charged every step", Int((balance?.expectedBatchSize ?? Double(privacy.expectedBatchSize)).rounded()), sigma, clip, steps,
                   planned.epsilon(delta: trainingDelta) + schemaCost.epsilon, privacy.delta, BLASInfo.coreName))
        record.schedule = tuner.schedule
        record.seed = seed
        record.batchSize = privacy.expectedBatchSize
        var recordedEpsilon: Double?
        try tuner.run(startStep: startStep, delta: trainingDelta, reportEvery: max(1, steps / 50), progress: { p in
            log(String(format: "step %d/%d  ε spent %.4f (δ = %.1e)  %.2f steps/s", p.step, p.totalSteps, p.epsilon + schemaCost.epsilon,
                       privacy.delta, p.stepsPerSecond))
        }, checkpoint: { step in
            record.steps = step
            var guarantee = PrivacyRecord(epsilon: tuner.accountant.epsilon(delta: trainingDelta) + schemaCost.epsilon, delta: privacy.delta,
                                          noiseMultiplier: sigma, sampleRate: sampleRate, clipNorm: clip, accountant: privacy.accountant.rawValue)
            guarantee.balance = balance
            if serializer.schema.source == .dp {
                guarantee.schemaEpsilon = schemaCost.epsilon
                guarantee.schemaDelta = schemaCost.delta
            }
            record.privacy = guarantee
            recordedEpsilon = guarantee.epsilon
            try Checkpoint(model: model, tokenizer: tokenizer, schema: serializer.schema, template: serializer.template, record: record)
                .save(to: output, optimizer: tuner.optimizer)
        })
        // The last checkpoint of this run recorded the ε spent; PLD takes a fraction of a second to recompute it.
        let spent = recordedEpsilon ?? tuner.accountant.epsilon(delta: trainingDelta) + schemaCost.epsilon
        log(String(format: "finetune --dp: (ε = %.4f, δ = %.1e)-DP for each row of %@ (%@ accountant%@); checkpoint -> %@",
                   spent, privacy.delta, data, privacy.accountant.rawValue.uppercased(),
                   serializer.schema.source == .dp ? ", schema estimation included" : "", output))
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
            let trained = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template)
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
