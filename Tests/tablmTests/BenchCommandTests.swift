import Foundation
import XCTest

/// `tablm bench --json` on a tiny model: every figure the issue asks for is there and plausible.
final class BenchCommandTests: XCTestCase {
    /// Sizes each option takes can multiply past any memory: 65,536 rows of 65,536 tokens asked the
    /// allocator for 2 TB and trapped. The step's activations are estimated first, and refused.
    func testABatchNoMemoryHoldsIsRefused() throws {
        let result = try CommandRunner.run(["bench", "--layers", "1", "--width", "128", "--batch-size", "65536", "--length", "65536",
                                            "--rounds", "1", "--steps", "1"], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("Error: --batch-size 65536 × --length 65536: training needs about "), result.stderr)
        XCTAssertTrue(result.stderr.contains("GB of activations for 65536 rows of 65536 tokens; this machine has "), result.stderr)
    }

    func testJSONReportHasEveryFigure() throws {
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let result = try CommandRunner.run(["bench", "--json", "--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4",
                                            "--length", "8", "--steps", "1", "--rounds", "3", "--schema", schema, "--sample-rows", "8", "--workers", "2"],
                                           in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let training = try XCTUnwrap(report["training"] as? [String: Any])
        for key in ["gemmGFLOPS", "trainTokensPerSecond", "trainGFLOPS", "stepMilliseconds", "dpStepMilliseconds", "dpTokensPerSecond", "dpRatio", "dpRatioOfFastest"] {
            XCTAssertGreaterThan(try XCTUnwrap(training[key] as? Double), 0, key)
        }
        XCTAssertEqual(training["workers"] as? Int, 2)
        let range = try XCTUnwrap(training["dpRatioRange"] as? [Double])
        let ratio = try XCTUnwrap(training["dpRatio"] as? Double)
        XCTAssertTrue(range[0] <= ratio && ratio <= range[1], "\(ratio) outside \(range)")
        let sampling = try XCTUnwrap(report["sampling"] as? [String: Any])
        XCTAssertEqual(sampling["constrainedValidShare"] as? Double, 1, "constrained rows always fit")
        XCTAssertGreaterThan(try XCTUnwrap(sampling["unconstrainedRowsPerSecond"] as? Double), 0)
        XCTAssertEqual(sampling["rounds"] as? Int, 3)
        XCTAssertEqual(sampling["workers"] as? Int, 1, "sampling is timed on one worker whatever --workers says")
        let costRange = try XCTUnwrap(sampling["costRatioRange"] as? [Double])
        let cost = try XCTUnwrap(sampling["costRatio"] as? Double)
        XCTAssertGreaterThan(try XCTUnwrap(sampling["costRatioOfFastest"] as? Double), 0)
        let tokens = try XCTUnwrap(sampling["tokensPerRound"] as? [Int])
        XCTAssertEqual(tokens.count, 2)
        XCTAssertEqual(tokens[0], tokens[1], "the unconstrained side decodes as many tokens as the constrained one")
        XCTAssertGreaterThanOrEqual(tokens[1], 16 * (sampling["rows"] as? Int ?? 0), "each row writes its 15 values and </s>")
        XCTAssertTrue(costRange[0] > 0 && costRange[0] <= cost && cost <= costRange[1], "\(cost) outside \(costRange)")
        XCTAssertGreaterThan(try XCTUnwrap(report["peakResidentBytes"] as? Int), 1 << 20)
    }
}
