import Foundation
import XCTest

/// The quick-start path on the bundled sample: infer a schema, serialize with random column order,
/// parse back, and get the same table.
final class PipelineTests: XCTestCase {
    func testInferSerializeParseRoundTripOnTheBundledSample() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path

        let infer = try CommandRunner.run(["schema", "infer", sample, "--target", "income", "--sensitive", "sex", "-o", "s.json"], in: folder)
        XCTAssertEqual(infer.status, 0, infer.stderr)
        let serialize = try CommandRunner.run(["serialize", "--schema", "s.json", sample, "--shuffle-columns", "--seed", "5"], in: folder)
        XCTAssertEqual(serialize.status, 0, serialize.stderr)
        let lines = serialize.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 500)
        XCTAssertTrue(lines.allSatisfy { $0.contains("age is ") && $0.contains(", ") })
        XCTAssertNotEqual(lines[0].prefix(6), lines[1].prefix(6), "column order differs between rows (seed 5)")
        try serialize.stdout.write(to: folder.appendingPathComponent("rows.txt"), atomically: false, encoding: .utf8)

        let parse = try CommandRunner.run(["parse", "--schema", "s.json", "rows.txt", "-o", "back.csv"], in: folder)
        XCTAssertEqual(parse.status, 0, parse.stderr)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("back.csv")),
                       try Data(contentsOf: URL(fileURLWithPath: sample)))
    }
}
