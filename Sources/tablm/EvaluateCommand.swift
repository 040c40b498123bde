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
    @Option(help: "Checkpoint whose training record (epsilon, delta) to report.") var checkpoint: String?
    @Option(help: "Write the report as JSON here.") var json: String?

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
        let schema = try SchemaFile.load(path: self.schema)
        let real = try read(train, schema: schema), held = try read(test, schema: schema), synthetic = try read(self.synthetic, schema: schema)
        for (name, table) in [(train, real), (test, held)] where table.rows.count < table.total {
            log("note: \(table.total - table.rows.count) rows of \(name) do not fit the schema and are left out")
        }
        let privacy = try checkpoint.map { try Checkpoint.load(folder: $0).record.privacy } ?? nil
        let report = try Evaluation.run(schema: schema, train: real.rows, test: held.rows, synthetic: synthetic.rows, syntheticTotal: synthetic.total,
                                        target: target, sensitive: sensitive, privacy: privacy)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFileWriter.write(try encoder.encode(report), to: json)
        }
        print(String(format: "validity      %d of %d synthetic rows fit the schema (%.1f%%)", report.validRows, report.syntheticRows,
                     100 * Double(report.validRows) / Double(max(report.syntheticRows, 1))))
        print(String(format: "fidelity      total variation: 1-way mean %.3f, 2-way mean %.3f (max %.3f)", report.meanOneWayTV,
                     report.meanTwoWayTV, report.maxTwoWayTV))
        print("utility       target \(target), positive class \(report.positiveClass); logistic regression tested on \(test)")
        for (name, u) in [("TRTR", report.trtr), ("TSTR", report.tstr)] {
            print(String(format: "  %@          accuracy %.4f  ROC-AUC %.4f  F1 %.4f", name, u.accuracy, u.rocAUC, u.f1))
        }
        if let f = report.fairness {
            print(String(format: "fairness      parity gap of %@ by %@: real %.4f, synthetic %.4f; TSTR model: DP difference %.4f, EO difference %.4f",
                         target, sensitive ?? "", f.realParityGap, f.syntheticParityGap, f.tstrDemographicParityDifference, f.tstrEqualizedOddsDifference))
        }
        print(String(format: "privacy       exact copies of training rows %.4f (real test rows: %.4f); closer to train than holdout %.3f",
                     report.exactCopyRate, report.realTestExactCopyRate, report.closerToTrainShare))
        if let p = report.privacy {
            print(String(format: "              trained with (ε = %.4f, δ = %.1e)-DP", p.epsilon, p.delta))
        }
    }
}
