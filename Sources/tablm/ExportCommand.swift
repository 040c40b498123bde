import ArgumentParser
import Foundation
import TablmCore

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a bundle that PyTorch + Opacus trains from with DP-SGD (one GPU or many); tablm import takes the result back.",
        discussion: """
        The bundle holds the checkpoint's model in Hugging Face GPT-2 layout (config.json with dropout off), \
        its tokenizer, schema and row template, the rows of --data tokenized as tablm trains them (in the \
        checkpoint's column order), bundle.json with the DP-SGD plan, and python/train_opacus.py with its \
        requirements. tablm calibrates σ here with its own accountant, so that the checkpoint's earlier events \
        (the marginal prior's, a count release, earlier DP-SGD) and the new steps compose to at most --epsilon. \
        The bundle holds the private rows: keep it where the table may be.

        For the prior on tablm and DP-SGD on GPUs: tablm finetune --dp --epsilon E --steps 0 (the prior \
        alone, its share of E), then tablm export --epsilon E.
        """
    )

    @Option(help: "Checkpoint to train from (a private one's events are composed with the new steps).") var checkpoint: String
    @Option(help: "Training table (CSV), fitted to the schema as finetune --dp does.") var data: String
    @Option(help: "Target epsilon of everything: the checkpoint's events and the new DP-SGD steps.") var epsilon: Double
    @Option(help: "Delta of the guarantee (default: the checkpoint's, else 1e-5).") var delta: Double?
    @Option(help: "DP-SGD steps (default: 100 after a marginal prior, else 300).") var steps: Int?
    @Option(help: "Rows a step in expectation (Poisson sampling at rate this / rows).") var expectedBatchSize = 256
    @Option(help: "Per-row clip norm C.") var clip = 1.0
    @Option(help: "Peak learning rate (default: 2e-4 after a marginal prior, else 1e-3).") var lr: Double?
    @Option(help: "Warmup steps.") var warmup = 20
    @Option(help: "AdamW weight decay (matrices only).") var weightDecay = 0.1
    @Option(help: "Privacy accountant for the calibration: pld or rdp.") var accountant: PrivacyAccountant.Method = .pld
    @Option(help: "The training script to copy into the bundle (default: python/train_opacus.py of the tablm checkout this binary was built in).")
    var script: String?
    @Option(name: .shortAndLong, help: "Bundle folder (created; must not exist).") var output: String

    func validate() throws {
        guard epsilon > 0 else { throw ValidationError("--epsilon must be positive") }
        if let delta { guard delta > 0 && delta < 1 else { throw ValidationError("--delta must be in (0, 1)") } }
        if let steps { guard steps >= 1 else { throw ValidationError("--steps must be at least 1") } }
        guard expectedBatchSize >= 1, clip > 0, warmup >= 0, weightDecay >= 0 else {
            throw ValidationError("--expected-batch-size must be at least 1, --clip positive, --warmup and --weight-decay not negative")
        }
    }

    func run() throws {
        let source = try Checkpoint.load(folder: checkpoint)
        let schema = source.schema
        guard schema.source != .data else {
            throw InputError("the checkpoint's schema says \"source\": \"data\": it was read off rows; DP-SGD needs a public schema",
                             at: SourceLocation(file: checkpoint))
        }
        if source.record.privacy == nil && source.record.dataSHA256 != nil {
            log("note: \(checkpoint) was trained without --dp; like --init-from, it must come from public data, or the guarantee does not hold")
        }
        let orders = try ColumnOrderChoice.orders(recorded: source.record.columnOrders, schema: schema)
        guard let orders, orders.count == 1, (source.record.randomOrderShare ?? 0) == 0 else {
            throw InputError("the bundle holds each row tokenized in one column order, and this checkpoint was trained in random orders; "
                             + "export one trained with --column-orders schema and --random-order-share 0 (the defaults)", at: SourceLocation(file: checkpoint))
        }
        let serializer = RowSerializer(schema: schema, template: source.template)
        let table = try TableData.read(path: data, schema: schema, fitRows: true)
        let batcher = try RowBatcher(serializer: serializer, tokenizer: source.tokenizer, rows: table.rows, context: source.model.config.contextLength)

        let previous = source.record.privacy
        let afterPrior = previous?.prior != nil
        let plan = try OpacusBundle.plan(earlier: previous?.events(steps: source.record.steps) ?? [], prior: previous?.prior,
                                         schemaCost: schema.privacyCost, targetEpsilon: epsilon, delta: delta ?? previous?.delta ?? 1e-5,
                                         method: accountant, rows: table.rows.count, expectedBatchSize: expectedBatchSize,
                                         steps: steps ?? (afterPrior ? FinetuneCommand.defaultStepsAfterPrior : FinetuneCommand.defaultSteps), clipNorm: clip)
        let bundle = OpacusBundle(rows: table.rows.count, sequenceLength: batcher.length, padTokenID: source.tokenizer.padID,
                                  bosTokenID: source.tokenizer.bosID, eosTokenID: source.tokenizer.eosID, columnOrders: source.record.columnOrders, dp: plan,
                                  training: .init(lr: lr ?? (afterPrior ? FinetuneCommand.defaultLearningRateAfterPrior : FinetuneCommand.defaultLearningRate),
                                                  warmup: warmup, weightDecay: weightDecay))
        let scriptPath = try trainingScript()

        // Written beside the destination and renamed into place: an interrupted export leaves nothing.
        let destination = URL(fileURLWithPath: output).standardizedFileURL
        guard !FileManager.default.fileExists(atPath: destination.path) else {
            throw InputError("the bundle folder exists already; choose a new one", at: SourceLocation(file: output))
        }
        let staging = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tablm-tmp")
        try source.save(to: staging.path)
        let cleanup = InterruptCleanup.register(staging)
        defer { InterruptCleanup.forget(cleanup) }
        do {
            try writeConfig(in: staging, padID: source.tokenizer.padID)
            let rows = try AtomicFileWriter(path: staging.appendingPathComponent("rows.txt").path)
            for row in table.rows {
                try rows.write(try batcher.sequence(row, order: orders[0]).map(String.init).joined(separator: " ") + "\n")
            }
            try rows.commit()
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFileWriter.write(try encoder.encode(bundle), to: staging.appendingPathComponent("bundle.json").path)
            let scriptFolder = URL(fileURLWithPath: scriptPath).deletingLastPathComponent()
            for name in ["train_opacus.py", "requirements.txt"] {
                try FileManager.default.copyItem(at: scriptFolder.appendingPathComponent(name), to: staging.appendingPathComponent(name))
            }
            // The bundle's record is bundle.json; the checkpoint's own record stays with the checkpoint.
            try FileManager.default.removeItem(at: staging.appendingPathComponent("training.json"))
            try FileManager.default.moveItem(at: staging, to: destination)
        } catch {
            try? FileManager.default.removeItem(at: staging)
            throw error
        }
        log(String(format: "export: %d rows, %d tokens a row at most; DP-SGD plan σ = %.4f, q = %.5f, %d steps, C = %g: (ε = %g, δ = %.1e) with what the checkpoint spent; bundle -> %@",
                   table.rows.count, batcher.length, plan.noiseMultiplier, plan.sampleRate, plan.steps, plan.clipNorm, plan.targetEpsilon, plan.delta, output))
        log("next: pip install -r \(output)/requirements.txt; python \(output)/train_opacus.py \(output) -o RESULT (or torchrun --nproc_per_node N ...); tablm import RESULT -o CHECKPOINT")
    }

    /// Hugging Face's GPT-2 config keys beside tablm's: dropout off (DP-SGD's analysis has no
    /// dropout, and tablm trains without it), the pad id.
    private func writeConfig(in folder: URL, padID: Int32) throws {
        let url = folder.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
        for key in ["resid_pdrop", "embd_pdrop", "attn_pdrop", "summary_first_dropout"] { config[key] = 0.0 }
        config["pad_token_id"] = Int(padID)
        try AtomicFileWriter.write(try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys]), to: url.path)
    }

    /// `--script`, or python/train_opacus.py of the checkout the binary sits in (.build/<config>/tablm).
    private func trainingScript() throws -> String {
        if let script {
            guard FileManager.default.fileExists(atPath: script) else { throw InputError("no such file", at: SourceLocation(file: script)) }
            return script
        }
        let binary = (Bundle.main.executableURL ?? URL(fileURLWithPath: "/proc/self/exe")).resolvingSymlinksInPath()
        var folder = binary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("python/train_opacus.py")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate.path }
            folder = folder.deletingLastPathComponent()
        }
        throw ValidationError("python/train_opacus.py is not beside this binary's checkout; pass --script PATH/train_opacus.py")
    }
}
