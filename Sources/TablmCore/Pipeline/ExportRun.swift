import Foundation

/// What `export` is asked for: a checkpoint, the private table, the budget of everything, DP-SGD's
/// plan, and where the bundle goes.
public struct ExportRequest: Sendable {
    public var checkpoint: String
    public var data: String
    public var epsilon: Double
    /// nil: the checkpoint's δ, else 1e-5.
    public var delta: Double?
    /// nil: the recipe's DP-SGD steps (after the prior, or without one).
    public var steps: Int?
    /// nil: the recipe's (`TrainingRecipe.expectedBatchSize`, or the GPU plan's with `forGPU`).
    public var expectedBatchSize: Int?
    /// Size the plan for a GPU: `TrainingRecipe.gpuPrivateSteps` steps of `gpuExpectedBatchSize`
    /// expected rows (at most `gpuLargestSampleRate` of the rows), where `steps` and
    /// `expectedBatchSize` do not say otherwise.
    public var forGPU = false
    /// The row count the rate is taken over, declared public (nil: the checkpoint prior's noisy total,
    /// else a count released with noise and charged, as `finetune --dp` does).
    public var rows: Int?
    public var clipNorm = TrainingRecipe.clipNorm
    public var learningRate: Double?
    public var warmupSteps = TrainingRecipe.warmupSteps
    public var weightDecay = TrainingRecipe.weightDecay
    public var accountant = PrivacyAccountant.Method.pld
    /// The training script; its folder's requirements.txt goes into the bundle beside it.
    public var script: String
    public var output: String

    public init(checkpoint: String, data: String, epsilon: Double, script: String, output: String) {
        self.checkpoint = checkpoint
        self.data = data
        self.epsilon = epsilon
        self.script = script
        self.output = output
    }
}

/// Writes an Opacus bundle: the checkpoint in Hugging Face layout, the rows tokenized as tablm
/// trains them, and `bundle.json` with σ calibrated by tablm's accountant so that the checkpoint's
/// events and the new steps compose to the target.
public enum ExportRun {
    public static func run(_ request: ExportRequest, report message: (String) -> Void = { _ in }) throws {
        try OutputDestination.checkFolder(request.output, option: "-o", what: "bundle", kind: .init(names: []),
                                          inputs: [request.checkpoint, request.data, request.script], force: false)
        try AtomicFolderWriter.refuseExisting(request.output, what: "bundle")
        // The bundle carries the script as train_opacus.py and the requirements.txt beside it: both
        // must be there before any row is read or σ calibrated.
        let scriptFolder = URL(fileURLWithPath: request.script).deletingLastPathComponent()
        for (path, what) in [(request.script, "is not a file"), (scriptFolder.appendingPathComponent("requirements.txt").path, "has no requirements.txt beside it")] {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), !isFolder.boolValue else {
                throw OptionError("--script \(request.script) \(what) (the bundle carries the script and its requirements.txt)")
            }
        }
        let source = try Checkpoint.load(folder: request.checkpoint)
        let schema = source.schema
        guard schema.source != .data else {
            throw InputError("the checkpoint's schema says \"source\": \"data\": it was read off rows; DP-SGD needs a public schema",
                             at: SourceLocation(file: request.checkpoint))
        }
        if source.record.privacy == nil && source.record.dataSHA256 != nil {
            message("note: \(request.checkpoint) was trained without --dp; like --init-from, it must come from public data, or the guarantee does not hold")
        }
        let orders = try ColumnOrderChoice.orders(recorded: source.record.columnOrders, schema: schema)
        guard let orders, orders.count == 1, (source.record.randomOrderShare ?? 0) == 0 else {
            throw InputError("the bundle holds each row tokenized in one column order, and this checkpoint was trained in random orders; "
                             + "export one trained with --column-orders schema and --random-order-share 0 (the defaults)", at: SourceLocation(file: request.checkpoint))
        }
        let serializer = RowSerializer(schema: schema, template: source.template)
        let table = try TableData.read(path: request.data, schema: schema, policy: .fit)
        let batcher = try RowBatcher(serializer: serializer, tokenizer: source.tokenizer, rows: table.rows, context: source.model.config.contextLength)

        let previous = source.record.privacy
        guard previous?.insecureSeed != true else {
            throw InputError("this checkpoint's noise was seeded (--insecure-seed): its guarantee does not hold, and a run that continues it would claim one; train it again without --insecure-seed",
                             at: SourceLocation(file: request.checkpoint))
        }
        let afterPrior = previous?.prior != nil
        // The rate's row count, as finetune --dp takes it: never the true count, which is private.
        var earlier = previous?.events(steps: source.record.steps) ?? []
        let rateRows: Int
        var countSource = "the checkpoint's count"
        if let declared = request.rows {
            rateRows = declared
            countSource = "declared public"
        } else if let released = previous?.rateRows ?? previous?.prior?.noisyRows.map(Double.init) {
            rateRows = max(Int(released.rounded()), 1)
        } else {
            countSource = "released with noise"
            var generator = ChaCha20Generator()
            rateRows = max(Int(RowCountRelease.release(table.rows.count, generator: &generator).rounded()), 1)
            earlier.append(RowCountRelease.event)
            message(RowCountRelease.note("export"))
        }
        // A checkpoint whose record is a filter's goes on as that filter within its claim, and past it
        // charges the new steps on top of its whole budget (`PrivacyBudgetPlan.chargePastClaim`).
        func continuedFilter(_ record: PrivacyRecord?, steps: Int) throws -> PrivacyAccountant? {
            guard let record, record.filterOrder != nil else { return nil }
            guard request.epsilon >= record.epsilon * (1 - 1e-9) else {
                throw OptionError(String(format: "--epsilon %g is below the checkpoint's own guarantee, ε = %.6f; give --epsilon %.6f or more", request.epsilon, record.epsilon,
                                         (record.epsilon * 1e6).rounded(.up) / 1e6))
            }
            // Its budget at another δ would be another budget, chosen after seeing the run.
            guard (request.delta ?? record.delta) == record.delta else {
                throw OptionError(String(format: "--delta %g: the checkpoint's guarantee is a filter at δ = %g, which the export keeps", request.delta ?? 0, record.delta))
            }
            var plan = try PrivacyBudgetPlan(record: record, steps: steps)
            if request.epsilon > record.epsilon * (1 + 1e-9) { plan.chargePastClaim() }
            return plan.accountant
        }
        let gpuBatch = min(TrainingRecipe.gpuExpectedBatchSize, max(1, Int(Double(rateRows) * TrainingRecipe.gpuLargestSampleRate)))
        let plan = try OpacusBundle.plan(earlier: earlier, prior: previous?.prior,
                                         schemaCost: schema.privacyCost, targetEpsilon: request.epsilon, delta: request.delta ?? previous?.delta ?? 1e-5,
                                         method: request.accountant, rows: rateRows,
                                         expectedBatchSize: request.expectedBatchSize ?? (request.forGPU ? gpuBatch : TrainingRecipe.expectedBatchSize),
                                         steps: TrainingRecipe.privateSteps(requested: request.steps ?? (request.forGPU ? TrainingRecipe.gpuPrivateSteps : nil),
                                                                            priorShare: nil, afterPrior: afterPrior), clipNorm: request.clipNorm,
                                         // A rate over a released count is a filter's; one the checkpoint began goes on at its order.
                                         filter: PrivacyBudgetPlan.choosesOnReleases(targetEpsilon: request.epsilon, publicRows: request.rows != nil, balanceGroups: false)
                                             || previous?.filterOrder != nil,
                                         continuing: try continuedFilter(previous, steps: source.record.steps))
        // Padded to the model's context (sized from the schema), not to the longest row: that length,
        // like the row count, is a statistic of the private rows, and the script prints rates from it.
        let bundle = OpacusBundle(rows: table.rows.count, sequenceLength: source.model.config.contextLength, padTokenID: source.tokenizer.padID,
                                  bosTokenID: source.tokenizer.bosID, eosTokenID: source.tokenizer.eosID, columnOrders: source.record.columnOrders, dp: plan,
                                  training: .init(lr: request.learningRate ?? TrainingRecipe.privateLearningRate(afterPrior: afterPrior),
                                                  warmup: request.warmupSteps, weightDecay: request.weightDecay))
        try AtomicFolderWriter.write(to: request.output, what: "bundle", replacing: false) { staging in
            try source.write(into: staging)
            try writeConfig(in: staging, padID: source.tokenizer.padID)
            let rows = try AtomicFileWriter(path: staging.appendingPathComponent("rows.txt").path)
            for row in table.rows {
                try rows.write(try batcher.sequence(row, order: orders[0]).map(String.init).joined(separator: " ") + "\n")
            }
            try rows.commit()
            try JSONOutput.write(bundle, to: staging.appendingPathComponent("bundle.json").path)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: request.script), to: staging.appendingPathComponent("train_opacus.py"))
            try FileManager.default.copyItem(at: scriptFolder.appendingPathComponent("requirements.txt"), to: staging.appendingPathComponent("requirements.txt"))
            // The bundle's record is bundle.json; the checkpoint's own record stays with the checkpoint.
            try FileManager.default.removeItem(at: staging.appendingPathComponent("training.json"))
        }
        // The true row count and the longest row are private: the line says the released count the rate is over.
        message(String(format: "export: the rows of %@, tokenized (the bundle holds them: keep it where the table may be); DP-SGD plan σ = %.4f, q = %.5f over %d rows (%@), %d steps, C = %g: (ε = %g, δ = %.1e) with what the checkpoint spent; bundle -> %@",
                       request.data, plan.noiseMultiplier, plan.sampleRate, rateRows, countSource,
                       plan.steps, plan.clipNorm, plan.targetEpsilon, plan.delta, request.output))
    }

    /// Hugging Face's GPT-2 config keys beside tablm's: dropout off (DP-SGD's analysis has no
    /// dropout, and tablm trains without it), the pad id.
    private static func writeConfig(in folder: URL, padID: Int32) throws {
        let url = folder.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        for key in ["resid_pdrop", "embd_pdrop", "attn_pdrop", "summary_first_dropout"] { config[key] = 0.0 }
        config["pad_token_id"] = Int(padID)
        try AtomicFileWriter.write(try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]), to: url.path)
    }
}
