import ArgumentParser
import Foundation
import TablmCore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Take back what python/train_opacus.py trained: check the weights and the record, recompute ε, write a checkpoint.",
        discussion: """
        The folder holds the weights in Hugging Face GPT-2 layout, the tokenizer, schema and row template of \
        the bundle, and opacus-record.json (the bundle's plan as run: σ, q, steps, δ, C, the target ε and the \
        events before the run). \
        tablm recomputes ε with its own accountant from the events and (σ, q, steps), refuses a record that is \
        incomplete or claims less than that, and writes a normal checkpoint that generate, evaluate, inspect \
        and privacy epsilon take.
        """
    )

    @Argument(help: "Result folder of train_opacus.py.") var result: String
    @Option(help: "Privacy accountant for the recomputation: pld or rdp.") var accountant: PrivacyAccountant.Method = .pld
    @Option(name: .shortAndLong, help: "Output checkpoint folder.") var output: String

    func run() throws {
        var trained = try Checkpoint.loadWithoutRecord(folder: result)
        let recordPath = URL(fileURLWithPath: result).appendingPathComponent("opacus-record.json").path
        let run = try OpacusResult.load(path: recordPath)
        if let orders = run.columnOrders {
            _ = try ColumnOrderChoice.orders(recorded: orders, schema: trained.schema)
        }
        let privacy: PrivacyRecord
        do {
            privacy = try run.privacyRecord(method: accountant)
        } catch let error as InputError {
            throw InputError(error.message, at: SourceLocation(file: recordPath))
        }
        var record = TrainingRecord(steps: run.dp.steps)
        record.batchSize = run.dp.expectedBatchSize
        record.columnOrders = run.columnOrders
        record.privacy = privacy
        trained.record = record
        try trained.save(to: output)
        var line = String(format: "import: %d DP-SGD steps at σ = %.4f, q = %.5f; recomputed (%@ accountant, every event): ε = %.4f at δ = %.1e, target %.4f",
                          run.dp.steps, run.dp.noiseMultiplier, run.dp.sampleRate, accountant.rawValue.uppercased(), privacy.epsilon, run.dp.delta,
                          run.dp.targetEpsilon)
        if let opacus = run.opacusEpsilon { line += String(format: "; Opacus reported %.4f for its steps alone", opacus) }
        log(line + "; checkpoint -> \(output)")
    }
}
