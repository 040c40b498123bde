import Foundation
import XCTest

final class SweepCommandTests: XCTestCase {
    /// A small grid on the bundled sample: a run that cannot succeed (ε too small for any noise) is
    /// reported and the others go on; sweep.csv has a line per run; a second sweep reuses the rows.
    func testGridWithAFailedRunGoesOnAndReuses() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let lines = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        try (lines.prefix(301).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("train.csv"), atomically: false, encoding: .utf8)
        try ([lines[0]] + lines.dropFirst(301).prefix(150)).joined(separator: "\n").appending("\n")
            .write(to: folder.appendingPathComponent("test.csv"), atomically: false, encoding: .utf8)
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let arguments = ["sweep", "--data", "train.csv", "--test", "test.csv", "--schema", schema, "--target", "income", "--sensitive", "sex",
                         "--epsilons", "0.000001,4,inf", "--lambdas", "0", "--rows", "120",
                         "--finetune-args=--steps 8 --prior-steps 10 --layers 1 --width 16 --heads 2 --expected-batch-size 32", "-o", "grid"]
        let first = try CommandRunner.run(arguments, in: folder)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("eps-1e-06_lambda-0 failed: the prior's budget"), first.stderr)
        XCTAssertTrue(first.stderr.contains("is too small even for the 1-way marginals"), first.stderr)
        let csv = try String(contentsOf: folder.appendingPathComponent("grid/sweep.csv"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(csv.count, 4)
        XCTAssertTrue(csv[1].hasPrefix("1e-06,0,\"failed:"), String(csv[1]))
        XCTAssertTrue(csv[2].hasPrefix("4,0,\"ok\""), String(csv[2]))
        XCTAssertTrue(csv[3].hasPrefix("inf,0,\"ok\""), String(csv[3]))
        // The DP run spent at most its budget; the non-private one reports none.
        let header = csv[0].split(separator: ",").map(String.init)
        let spent = header.firstIndex(of: "epsilon_spent")!
        XCTAssertLessThanOrEqual(try XCTUnwrap(Double(csv[2].split(separator: ",", omittingEmptySubsequences: false)[spent])), 4)
        XCTAssertEqual(csv[3].split(separator: ",", omittingEmptySubsequences: false)[spent], "")
        for name in ["sweep.html", "eps-4_lambda-0/report.html", "eps-4_lambda-0/evaluation.json", "eps-inf_lambda-0/synthetic.csv"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("grid/\(name)").path), name)
        }
        let second = try CommandRunner.run(arguments, in: folder)
        XCTAssertEqual(second.status, 0, second.stderr)
        XCTAssertEqual(second.stderr.components(separatedBy: "reusing").count - 1, 2, second.stderr)
    }

    /// A private point writes the count its checkpoint released, not the table's: generate was
    /// given the true count (500) with --rows, which the DP point's rows then revealed.
    func testAPrivatePointWritesTheReleasedCount() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        try FileManager.default.copyItem(atPath: sample, toPath: folder.appendingPathComponent("test.csv").path)
        let result = try CommandRunner.run(["sweep", "--data", sample, "--test", "test.csv", "--schema", schema, "--epsilons", "4", "--lambdas", "0",
                                            "--finetune-args=--steps 1 --prior-steps 2 --accountant rdp --layers 1 --width 16 --heads 2",
                                            "-o", "grid"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let points = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("grid").path).filter { $0.hasPrefix("eps-") }
        XCTAssertEqual(points.count, 1, "\(points)")
        let arguments = try String(contentsOf: folder.appendingPathComponent("grid/\(points[0])/arguments.txt"), encoding: .utf8)
        XCTAssertTrue(arguments.contains(" generate --checkpoint "), arguments)
        XCTAssertFalse(arguments.contains("--rows"), arguments)
    }

    /// A target, sensitive column or option every point would fail on is refused before the first
    /// point trains (each was once found only after a full training per point).
    func testAnOptionEveryPointWouldFailOnIsRefusedBeforeAnyTraining() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        try FileManager.default.copyItem(atPath: sample, toPath: folder.appendingPathComponent("test.csv").path)
        let base = ["sweep", "--data", sample, "--test", "test.csv", "--schema", schema, "--epsilons", "1,inf", "--rows", "10"]
        for (extra, expected) in [(["--target", "age"], "target 'age' must be a categorical column of the schema"),
                                  (["--sensitive", "nosuch"], "nosuch"),
                                  (["--lambdas", "1e300"], "--fairness-lambda"),
                                  // The term needs one categorical column; the metrics take a threshold.
                                  (["--lambdas", "0,1", "--sensitive", "age<25"], "--lambdas 1.0 needs one categorical --sensitive column"),
                                  (["--finetune-args=--steps=-3"], "--steps"),
                                  // Options the sweep sets per point won over the grid when given again.
                                  (["--finetune-args=--steps 2 --epsilon 50"], "--finetune-args gives --epsilon, which the sweep sets for each point"),
                                  (["--finetune-args=--data=other.csv"], "--finetune-args gives --data,"),
                                  (["--generate-args=--rows 5"], "--generate-args gives --rows,"),
                                  // Said as the sweep's options in one line (finetune's usage followed, naming --epsilon).
                                  (["--epsilons", "1e5"], "Error: --epsilons: 100000.0 is above 10000.0"),
                                  (["--finetune-args=--steps x"], "Error: --finetune-args: The value 'x' is invalid for '--steps <steps>'"),
                                  // The training rows as test rows: every point's TRTR scored on its own rows.
                                  (["--test", sample], "is the file of --data: test rows must be rows no model was trained on")] {
            let result = try CommandRunner.run(base + extra + ["-o", "grid"], in: folder)
            XCTAssertNotEqual(result.status, 0, "\(extra)")
            XCTAssertTrue(result.stderr.contains(expected), "\(extra): \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("sweep: run 1/"), "\(extra) started a point: \(result.stderr)")
            XCTAssertFalse(result.stderr.contains("Usage:"), "\(extra): \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("grid").path), "\(extra)")
        }
    }
}
