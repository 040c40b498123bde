import Foundation
import TablmCore
import XCTest

/// What `evaluate` refuses before it reports: two reports on one file, a table with no row that
/// fits, and a checkpoint whose privacy record claims less than its events compose to (the report
/// would state that ε as a guarantee).
final class EvaluateRunTests: XCTestCase {
    private let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"])], source: .public)

    /// A folder with a private checkpoint (its schema.json is the schema) and three small tables.
    private func fixture(claimedEpsilon: Double) throws -> (folder: URL, request: EvaluateRequest) {
        let folder = try Fixtures.scratchFolder(self)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 16, width: 8, layers: 1, heads: 2))
        model.initializeParameters(seed: 1)
        var record = TrainingRecord(steps: 100, tokensSeen: 1)
        record.privacy = PrivacyRecord(epsilon: claimedEpsilon, delta: 1e-5, noiseMultiplier: 1, sampleRate: 0.1, clipNorm: 1, accountant: "rdp")
        let checkpoint = folder.appendingPathComponent("ckpt").path
        try Checkpoint(model: model, tokenizer: tokenizer, schema: schema, template: .standard, record: record).save(to: checkpoint)
        let rows = "age,sex\n" + (0..<40).map { "\(20 + $0),\($0 % 3 == 0 ? "Female" : "Male")" }.joined(separator: "\n") + "\n"
        for name in ["train.csv", "test.csv", "synthetic.csv"] {
            try rows.write(to: folder.appendingPathComponent(name), atomically: false, encoding: .utf8)
        }
        var request = EvaluateRequest(train: folder.appendingPathComponent("train.csv").path, test: folder.appendingPathComponent("test.csv").path,
                                      synthetic: folder.appendingPathComponent("synthetic.csv").path,
                                      schema: URL(fileURLWithPath: checkpoint).appendingPathComponent("schema.json").path, target: "sex")
        request.checkpoint = checkpoint
        return (folder, request)
    }

    private func refusal(_ request: EvaluateRequest) -> String {
        do {
            _ = try EvaluateRun.run(request)
            return "ran"
        } catch {
            return "\(error)"
        }
    }

    func testTheTwoReportsMayNotShareAFile() throws {
        var (folder, request) = try fixture(claimedEpsilon: 100)
        request.json = folder.appendingPathComponent("report").path
        request.html = folder.appendingPathComponent("./report").path
        XCTAssertTrue(refusal(request).contains("and --json \(request.json!) name the same file"), refusal(request))
        XCTAssertFalse(FileManager.default.fileExists(atPath: request.json!))
    }

    func testATableWithNoRowThatFitsIsNamed() throws {
        var (folder, request) = try fixture(claimedEpsilon: 100)
        request.synthetic = folder.appendingPathComponent("bad.csv").path
        try "age,sex\nnan,Male\n250,Female\n".write(toFile: request.synthetic, atomically: false, encoding: .utf8)
        XCTAssertTrue(refusal(request).hasPrefix("\(request.synthetic): none of its 2 rows fits the schema"), refusal(request))
    }

    func testARecordThatClaimsLessThanItsEventsIsRefused() throws {
        // 100 steps at σ = 1, q = 0.1 compose under RDP to ε = 7.9 at δ = 1e-5 (`tablm privacy
        // epsilon`): above a claimed 0.5, below a claimed 100.
        let (_, claimsTooLittle) = try fixture(claimedEpsilon: 0.5)
        let message = refusal(claimsTooLittle)
        XCTAssertTrue(message.contains("training.json: the record claims ε = 0.500000 but its events compose to"), message)
        let (_, honest) = try fixture(claimedEpsilon: 100)
        XCTAssertEqual(refusal(honest), "ran")
    }
}
