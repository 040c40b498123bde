import ArgumentParser
import Foundation
import TablmCore

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a synthetic table against real data: validity, fidelity, utility, fairness, privacy.",
        discussion: """
        Utility is train-on-synthetic, test-on-real (TSTR) next to train-on-real, test-on-real (TRTR) with \
        an L2-regularised logistic regression; the positive class is the target's less frequent value in \
        TRAIN. Fidelity is the total-variation distance of every column's and every pair's distribution \
        (numbers in quantile bins fitted on TRAIN). Privacy: the share of synthetic rows that copy a \
        training row (next to the real test set's share), and the share of synthetic rows closer to \
        the training rows than to held-out rows (about 0.5 is good, near 1 is memorisation). This \
        command reads the real rows: its report is for the data owner.
        """
    )

    @Option(help: "Real training table.") var train: String
    @Option(help: "Real test table (never used for training).") var test: String
    @Option(help: "Synthetic table.") var synthetic: String
    @Option(help: "Schema.") var schema: String
    @Option(help: "Target column (categorical).") var target: String
    @Option(help: "Sensitive column.") var sensitive: String?
    @Option(help: "Checkpoint that made the rows: its training record (epsilon, delta) is reported, its row likelihood drives a membership attack, and the model itself is scored as a classifier of the target on the test rows.") var checkpoint: String?
    @Option(help: "Write the report as JSON here.") var json: String?
    @Option(help: "Write a self-contained HTML report (inline SVG, no network) here.") var report: String?

    private func read(_ path: String, schema: Schema) throws -> (rows: [Row], total: Int) {
        let reader = try CSVRecordReader(path: path)
        let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
        var rows: [Row] = [], total = 0
        try reader.forEachRecord { record in
            total += 1
            if let row = try? decoder.row(from: record, file: path) { rows.append(row) }
        }
        return (rows, total)
    }

    func run() throws {
        let report = try evaluate()
        for line in EvaluationSummary.lines(report, test: test) { print(line) }
    }

    /// Computes the report and writes the JSON and HTML files asked for.
    func evaluate() throws -> EvaluationReport {
        let schema = try SchemaFile.load(path: self.schema)
        let real = try read(train, schema: schema), held = try read(test, schema: schema), synthetic = try read(self.synthetic, schema: schema)
        for (name, table) in [(train, real), (test, held)] where table.rows.count < table.total {
            log("note: \(table.total - table.rows.count) rows of \(name) do not fit the schema and are left out")
        }
        let loaded = try checkpoint.map { try Checkpoint.load(folder: $0) }
        var likelihood: (([Row]) throws -> [Double])?
        if let loaded {
            guard loaded.schema.columnNames == schema.columnNames else {
                throw InputError("the checkpoint's schema has other columns than --schema", at: SourceLocation(file: checkpoint!))
            }
            let serializer = RowSerializer(schema: loaded.schema, template: loaded.template)
            let order = try ColumnOrderChoice.scoringOrder(of: loaded)
            likelihood = { try RowLikelihood.logLikelihoods(model: loaded.model, tokenizer: loaded.tokenizer, serializer: serializer, rows: $0, order: order) }
        }
        let clock = ProgressClock(totalSteps: 1)
        log("evaluate: \(real.rows.count) training, \(held.rows.count) test, \(synthetic.rows.count) synthetic rows")
        let report = try Evaluation.run(schema: schema, train: real.rows, test: held.rows, synthetic: synthetic.rows, syntheticTotal: synthetic.total,
                                        target: target, sensitive: sensitive, privacy: loaded?.record.privacy, rowLogLikelihood: likelihood,
                                        progress: { stage in log("evaluate: \(stage) (\(String(format: "%.0f", clock.seconds)) s)") })
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            try AtomicFileWriter.write(try encoder.encode(report), to: json)
        }
        if let path = self.report {
            try AtomicFileWriter.write(Data(EvaluationHTML.page(report, title: "tablm evaluate: \(self.synthetic)").utf8), to: path)
            log("evaluate: report -> \(path)")
        }
        return report
    }
}
