import ArgumentParser
import Foundation
import TablmCore

struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Measure a synthetic table against real data: validity, fidelity, utility, fairness, privacy.",
        discussion: """
        Utility is train-on-synthetic, test-on-real (TSTR) next to train-on-real (TRTR): boosted trees \
        (ROC-AUC, the headline) and an L2-regularised logistic regression; the positive class is the \
        target's less frequent value in DATA. Fidelity is the total-variation distance (TV) of every \
        column's and every pair's distribution (numbers in quantile bins fitted on DATA). Fairness: the \
        parity gap of the rows and the TSTR classifier's demographic-parity and equalized-odds \
        differences. Privacy: the checkpoint's (ε, δ), the share of synthetic rows that copy a training \
        row, and membership attacks (about 0.5 is good). This command reads the real rows: its report \
        is for the data owner.

        Example:
          tablm evaluate --data data/adult_train.csv --test data/adult_test.csv \\
              --synthetic rows.csv --schema Examples/adult-public-schema.json \\
              --checkpoint ck -o report.html
        """
    )

    @Option(name: [.customLong("data"), .customLong("train")], help: "Real training table (the rows the model was trained on; --train is the older name).") var train: String
    @Option(help: "Real test table (never used for training).") var test: String
    @Option(help: "Synthetic table.") var synthetic: String
    @Option(help: "Schema JSON file.") var schema: String
    @Option(help: "Target column, categorical (default: the schema's target).") var target: String?
    @Option(help: "The groups fairness is measured over: a categorical column (sex), a threshold on a numeric one (age<25), or an intersection (sex&race) (default: the schema's first sensitive column).") var sensitive: String?
    @Option(help: "Another synthetic table of the same model (the rows before --mask-fairness): its figures are reported beside these.") var before: String?
    @Option(help: "Checkpoint that made the rows: its training record (epsilon, delta) is reported, its row likelihood drives a membership attack, and the model itself is scored as a classifier of the target on the test rows.") var checkpoint: String?
    @Option(help: "Write the report as JSON here.") var json: String?
    @Option(name: [.customShort("o"), .customLong("output"), .customLong("report")], help: "Write a self-contained HTML report here (inline SVG, no network; --report is the older name).") var report: String?

    func run() throws {
        let report = try EvaluateRun.run(request, report: { log($0) })
        for line in EvaluationSummary.lines(report, test: test) { print(line) }
    }

    var request: EvaluateRequest {
        var request = EvaluateRequest(train: train, test: test, synthetic: synthetic, schema: schema, target: target)
        request.sensitive = sensitive
        request.checkpoint = checkpoint
        request.json = json
        request.html = report
        request.before = before
        return request
    }
}
