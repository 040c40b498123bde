import Foundation
import XCTest

final class EvaluateCommandTests: XCTestCase {
    /// A "synthetic" table that copies the training rows: perfect fidelity, utility equal to TRTR,
    /// every row an exact copy, all closer to train than to holdout (train and test of equal size, so
    /// the distance check compares every training row); the JSON also states the run's context.
    func testCopiedRowsAreFlaggedAndFaithful() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let lines = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        try (lines.prefix(201).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("train.csv"), atomically: false, encoding: .utf8)
        try ([lines[0]] + lines.dropFirst(201).prefix(200)).joined(separator: "\n").appending("\n").write(to: folder.appendingPathComponent("test.csv"), atomically: false, encoding: .utf8)
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let result = try CommandRunner.run(["evaluate", "--train", "train.csv", "--test", "test.csv", "--synthetic", "train.csv", "--schema", schema,
                                            "--target", "income", "--sensitive", "sex", "--json", "report.json",
                                            "--report", "report.html"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("200 of 200 synthetic rows fit the schema"), result.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("report.json"))) as! [String: Any]
        XCTAssertEqual(report["meanOneWayTV"] as? Double, 0)
        XCTAssertEqual(report["exactCopyRate"] as? Double, 1)
        XCTAssertEqual(try XCTUnwrap(report["closerToTrainShare"] as? Double), 1, accuracy: 1e-9)
        let classifiers = try XCTUnwrap(report["classifiers"] as? [[String: Any]])
        XCTAssertEqual(classifiers.count, 2)
        for classifier in classifiers {
            let trtr = try XCTUnwrap(classifier["trtr"] as? [String: Double]), tstr = try XCTUnwrap(classifier["tstr"] as? [String: Double])
            XCTAssertEqual(trtr["rocAUC"], tstr["rocAUC"], "\(classifier["name"] ?? "")")
        }
        XCTAssertEqual(try XCTUnwrap(report["frechetDistance"] as? Double), 0, accuracy: 1e-6)
        XCTAssertEqual(try XCTUnwrap(report["correlationDifference"] as? Double), 0, accuracy: 1e-12)
        // Every member is itself a synthetic row (distance 0); non-members are not: the attack wins.
        let membership = try XCTUnwrap(report["membership"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(membership["distanceAUC"] as? Double), 0.9)
        // The JSON states what the page states first: the files with the rows read and kept (200 each,
        // as written above), schema, target and group, release, and a date of this run.
        let context = try XCTUnwrap(report["context"] as? [String: Any])
        let tables = try XCTUnwrap(context["tables"] as? [[String: Any]])
        XCTAssertEqual(tables.compactMap { $0["role"] as? String }, ["real training rows", "real test rows", "synthetic rows"])
        XCTAssertEqual(tables.compactMap { $0["path"] as? String }, ["train.csv", "test.csv", "train.csv"])
        XCTAssertEqual(tables.compactMap { $0["rowsRead"] as? Int }, [200, 200, 200])
        XCTAssertEqual(tables.compactMap { $0["rowsKept"] as? Int }, [200, 200, 200])
        XCTAssertEqual(context["schema"] as? String, schema)
        XCTAssertEqual(context["target"] as? String, "income")
        XCTAssertEqual(context["sensitive"] as? String, "sex")
        let version = try CommandRunner.run(["--version"], in: folder).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertEqual(context["version"] as? String, version)
        let date = try XCTUnwrap(ISO8601DateFormatter().date(from: try XCTUnwrap(context["date"] as? String)))
        XCTAssertLessThan(abs(date.timeIntervalSinceNow), 600)
        XCTAssertNotNil(context["machine"] as? [String: Any])
        let page = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.hasPrefix("<!DOCTYPE html>") && page.contains("<svg"))
        XCTAssertEqual(report["positiveClass"] as? String, ">50K")
        // Trained on the same rows, the per-group rates of TSTR and TRTR are the same, and printed.
        let fairness = try XCTUnwrap(report["fairness"] as? [String: Any])
        XCTAssertEqual(fairness["ratesClassifier"] as? String, "boosted trees")
        let groups = try XCTUnwrap(fairness["groups"] as? [[String: Any]])
        XCTAssertEqual(groups.compactMap { $0["group"] as? String }, ["Female", "Male"])
        for group in groups {
            let tstr = try XCTUnwrap(group["tstr"] as? [String: Double]), trtr = try XCTUnwrap(group["trtr"] as? [String: Double])
            XCTAssertEqual(tstr, trtr, "\(group["group"] ?? "")")
            XCTAssertEqual(Set(tstr.keys), ["selection", "truePositive", "falsePositive"])
        }
        XCTAssertTrue(result.stdout.contains("Female: share real ") && result.stdout.contains("boosted trees selects"), result.stdout)
    }

    /// Synthetic rows whose income is always <=50K (income and sex named by the schema, not the command
    /// line): the summary opens with the verdict (not useful) and warnings that the TSTR
    /// models are constant and their fairness figures mean nothing, and the fairness lines say so;
    /// every stage of the run is announced on stderr.
    func testUselessRowsAreCalledOutFirst() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv")
        let lines = try String(contentsOf: sample, encoding: .utf8).split(separator: "\n").map(String.init)
        let constant = [lines[0]] + lines.dropFirst().map { $0.replacingOccurrences(of: ">50K", with: "<=50K") }
        try (constant.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("constant.csv"), atomically: false, encoding: .utf8)
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        // The grammar's forms: --data, -o, and the target and sensitive column read from the schema.
        // The training rows as test rows are refused (TRTR scored on its own rows); a copy of them is what this test needs.
        let same = try CommandRunner.run(["evaluate", "--data", sample.path, "--test", sample.path, "--synthetic", "constant.csv", "--schema", schema], in: folder)
        XCTAssertEqual(same.status, 64, same.stderr)
        XCTAssertTrue(same.stderr.contains("is the file of --data"), same.stderr)
        try FileManager.default.copyItem(at: sample, to: folder.appendingPathComponent("test.csv"))
        let result = try CommandRunner.run(["evaluate", "--data", sample.path, "--test", "test.csv", "--synthetic", "constant.csv", "--schema", schema,
                                            "-o", "report.html"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let out = result.stdout.split(separator: "\n").map(String.init)
        // The verdict's three questions (a line and its reading each), then the warnings.
        XCTAssertTrue(out[0].hasPrefix("verdict       Useful? no"), result.stdout)
        XCTAssertTrue(out[1].contains("No: every synthetic row has income = <=50K"), result.stdout)
        XCTAssertTrue(out[6].hasPrefix("WARNING       every synthetic row has income = <=50K"), result.stdout)
        XCTAssertTrue(out[7].hasPrefix("WARNING       TSTR logistic regression predicts income = <=50K for every test row"), result.stdout)
        XCTAssertTrue(out[8].contains("TSTR boosted trees predicts income = <=50K for every test row"), result.stdout)
        XCTAssertEqual(out.filter { $0.contains("(constant predictor: these mean nothing)") }.count, 2, result.stdout)
        for stage in ["evaluate: fidelity", "evaluate: utility: logistic regression and boosted trees trained on the synthetic rows (TSTR)",
                      "evaluate: utility: logistic regression and boosted trees trained on the real rows (TRTR)", "evaluate: privacy"] {
            XCTAssertTrue(result.stderr.contains(stage), result.stderr)
        }
        let page = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("Read this first"))
    }
}
