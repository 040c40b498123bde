import ArgumentParser
import Foundation
import TablmCore

/// `tablm sweep`: fine-tune → generate → evaluate over a grid of privacy budgets and fairness
/// weights, so the trade-offs are measured on one table with everything else held fixed.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Fine-tune, generate and evaluate over a grid of epsilons and fairness weights; write a CSV and an HTML page.",
        discussion: """
        Each grid point (epsilon, λ) gets a folder in --output with its checkpoint, synthetic rows, \
        evaluation.json and report.html. Epsilon `inf` trains without DP; a finite one trains with \
        --dp --epsilon E --delta D (the schema must be public). λ > 0 adds the fairness term \
        (--fairness-lambda). --finetune-args and --generate-args pass further options to every run. \
        A run whose folder already holds rows made with the same arguments is not redone (delete the \
        folder to redo it); it is evaluated again. A failed run is reported and the sweep goes on. \
        sweep.csv and sweep.html are rewritten after every run.

        Example:
          tablm sweep --data data/adult_train.csv --test data/adult_test.csv \\
              --schema Examples/adult-public-schema.json --epsilons 0.3,1,inf \\
              -o out/sweep
        """
    )

    @Option(help: "Real training table (the private rows).") var data: String
    @Option(help: "Real test table, for evaluation only.") var test: String
    @OptionGroup var rowText: RowTextOptions
    @Option(help: "Target column, categorical (default: the schema's target).") var target: String?
    @Option(help: "Sensitive column, for the fairness term and the fairness metrics (default: the schema's first sensitive column).") var sensitive: String?
    @Option(help: "Comma-separated privacy budgets; `inf` trains without DP.") var epsilons = "1,3,10,inf"
    @Option(help: "Comma-separated fairness weights λ.") var lambdas = "0"
    @Option(help: "Delta of the DP runs.") var delta = 1e-5
    @Option(help: "Synthetic rows per run (default: as many as --data has).") var rows: Int?
    @Option(help: "Further finetune options for every run, space-separated, written with = (--finetune-args=\"--steps 1000 --batch-size 64\").") var finetuneArgs = ""
    @Option(help: "Further generate options for every run, space-separated, written with = like --finetune-args.") var generateArgs = ""
    @Option(name: .shortAndLong, help: "Output folder (created if missing).") var output: String

    func validate() throws {
        _ = try grid()
        try SweepRun.refuseOwnedOptions(finetune: Self.words(finetuneArgs), generate: Self.words(generateArgs))
        try EvaluateRun.refuseTestIsTrain(train: data, test: test)
        try requireRange("--rows", rows, .closed(1), .closed(Double(GenerateRequest.largestRows)))
        try requireRange("--delta", delta, .open(0), .open(1))
    }

    /// The (ε, λ) points, ε = +∞ meaning no DP.
    func grid() throws -> [(epsilon: Double, lambda: Double)] {
        func numbers(_ text: String, _ option: String) throws -> [Double] {
            try text.split(separator: ",").map { field in
                let word = field.trimmingCharacters(in: .whitespaces).lowercased()
                if ["inf", "infinity", "∞"].contains(word) { return .infinity }
                guard let value = Double(word), value > 0 || (option == "--lambdas" && value == 0), value.isFinite else {
                    throw ValidationError("\(option): \(quoted: field) is not a \(option == "--lambdas" ? "non-negative number" : "positive number or inf")")
                }
                return value
            }
        }
        let epsilonValues = try numbers(epsilons, "--epsilons"), lambdaValues = try numbers(lambdas, "--lambdas")
        guard !epsilonValues.isEmpty, !lambdaValues.isEmpty else { throw ValidationError("--epsilons and --lambdas need at least one value") }
        if lambdaValues.contains(.infinity) { throw ValidationError("--lambdas must be finite") }
        if let e = epsilonValues.first(where: { $0.isFinite && $0 > PrivacyBudgetPlan.largestEpsilon }) {
            throw ValidationError("--epsilons: \(e) is above \(PrivacyBudgetPlan.largestEpsilon), the largest ε a run takes (inf trains without DP)")
        }
        return epsilonValues.flatMap { e in lambdaValues.map { (e, $0) } }
    }

    func run() throws {
        // A private point writes the count its checkpoint released (generate's default): the true
        // count is private. Only non-private points take the table's own.
        let points = try grid(), rowCount = try rows ?? (points.contains { !$0.epsilon.isFinite } ? recordCount(data) : nil)
        var sweep = SweepRun(points: points, output: output, title: "tablm sweep: \(data)") { point, checkpoint, synthetic, folder in
            let text = ["--schema", rowText.schema] + (rowText.template.map { ["--template", $0] } ?? [])
            var training = ["--data", data] + text
            if point.epsilon.isFinite { training += ["--dp", "--epsilon", "\(point.epsilon)", "--delta", "\(delta)"] }
            if point.lambda > 0 { training += ["--fairness-lambda", "\(point.lambda)"] + (sensitive.map { ["--sensitive", $0] } ?? []) }
            training += Self.words(finetuneArgs)
            let finetune = Array(training[..<(2 + text.count)]) + ["-o", checkpoint] + training[(2 + text.count)...]
            let pointRows = point.epsilon.isFinite && rows == nil ? nil : rowCount
            let generate = ["--checkpoint", checkpoint] + (pointRows.map { ["--rows", "\($0)"] } ?? []) + ["-o", synthetic] + Self.words(generateArgs)
            var evaluation = EvaluateRequest(train: data, test: test, synthetic: synthetic, schema: rowText.schema, target: target)
            evaluation.sensitive = sensitive
            evaluation.checkpoint = checkpoint
            evaluation.json = folder.appendingPathComponent("evaluation.json").path
            evaluation.html = folder.appendingPathComponent("report.html").path
            return SweepRun.Plan(training: try Self.parsed("--finetune-args") { try FinetuneOptions.parse(training).request(output: checkpoint) },
                                 generation: try Self.parsed("--generate-args") { try GenerateOptions.parse(Self.words(generateArgs)).request(checkpoint: checkpoint, rows: pointRows, output: synthetic) },
                                 evaluation: evaluation, arguments: (["finetune"] + finetune + ["generate"] + generate).joined(separator: " ") + "\n")
        }
        sweep.inputs = [data, test, rowText.schema, rowText.template]
        var training = FinetuneProgress(delta: delta), generation = GenerateProgress(rows: rowCount)
        let results = try sweep.run(events: { event in
            switch event {
            case .message(let text), .evaluation(let text): log(text)
            case .training(let event): training.show(event)
            case .generation(let event): generation.show(event)
            }
        }, describe: { Tablm.message(for: $0) })
        print(SweepResult.csv(results), terminator: "")
        let failed = results.filter { $0.status != "ok" }.count
        log("sweep: \(results.count - failed) of \(results.count) runs done -> \(URL(fileURLWithPath: output).appendingPathComponent("sweep.csv").path), sweep.html")
        if failed == results.count { throw ExitCode.failure }
    }

    private func recordCount(_ path: String) throws -> Int {
        var count = 0
        try CSVRecordReader(path: path).forEachRecord { _ in count += 1 }
        return count
    }

    private static func words(_ text: String) -> [String] { text.split(separator: " ").map(String.init) }

    /// A point's options as finetune or generate read them; their parser's refusal said in one line as the sweep's
    /// option (it printed finetune's usage, as if `tablm finetune` had been run).
    private static func parsed<T>(_ option: String, _ read: () throws -> T) throws -> T {
        do { return try read() } catch let error as InputError { throw error } catch { throw OptionError("\(option): \(FinetuneOptions.message(for: error))") }
    }
}
