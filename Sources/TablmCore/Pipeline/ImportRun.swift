import Foundation

/// `tablm import`: takes back what `python/train_opacus.py` trained. The weights and the bundle's
/// files are checked as any checkpoint's; ε is recomputed with tablm's accountant from every event
/// of `opacus-record.json` (the checkpoint's earlier ones and the run's steps), and a record that
/// claims less is refused. Writes a normal checkpoint.
public enum ImportRun {
    public static func run(result: String, accountant: PrivacyAccountant.Method, output: String, report: (String) -> Void = { _ in }) throws {
        try OutputDestination.checkFolder(output, option: "-o", what: "checkpoint", kind: Checkpoint.folderKind(private: true), inputs: [result], force: false)
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
        var line = String(format: "import: %d DP-SGD steps at σ = %.4f, q = %.5f; recomputed (%@, every event): ε = %.4f at δ = %.1e, target %.4f",
                          run.dp.steps, run.dp.noiseMultiplier, run.dp.sampleRate,
                          privacy.compositionName, privacy.epsilon, run.dp.delta,
                          run.dp.targetEpsilon)
        if let opacus = run.opacusEpsilon { line += String(format: "; Opacus reported %.4f for its steps alone", opacus) }
        report(line + "; checkpoint -> \(output)")
    }
}
