import Foundation
import XCTest

/// `tablm audit` end to end with a tiny model: the canaries go in, one run trains, the bound is
/// printed beside the accountant's ε, audit.json records the outcome, and the copy of the table
/// with the canaries is gone afterwards.
final class AuditCommandTests: XCTestCase {
    func testAuditsANonPrivateAndAPrivateRun() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "8"]

        let plain = try CommandRunner.run(["audit", "--canaries", "100", "--audit-seed", "1", "--work", "plain",
                                           "--schema", schema, "--data", sample, "--steps", "20"] + tiny, in: folder)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.stderr.contains("audit: 100 canaries drawn from the schema's domain"), plain.stderr)
        XCTAssertTrue(plain.stderr.contains("(not private: no ε claimed)"), plain.stderr)
        let bound = try XCTUnwrap(Double(plain.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), plain.stdout)
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("plain/audit.json"))) as! [String: Any]
        XCTAssertEqual(report["canaries"] as? Int, 100)
        XCTAssertEqual((report["scores"] as? [Double])?.count, 100)
        XCTAssertEqual((report["memberships"] as? [Bool])?.filter { $0 }.count, report["included"] as? Int)
        XCTAssertEqual(report["epsilon_lower_bound"] as? Double ?? -1, bound, accuracy: 1e-6)
        XCTAssertEqual((report["outcomes"] as? [Any])?.count, 5, "guess counts 2, 5, 10, 20 and 50 % of the canaries")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("plain").path).sorted(),
                       ["audit.json", "checkpoint"], "the table with the canaries is removed")

        let dp = try CommandRunner.run(["audit", "--canaries", "100", "--work", "dp", "--dp", "--epsilon", "1", "--prior", "none",
                                        "--accept-noise", "--schema", schema, "--data", sample, "--steps", "5"] + tiny.dropLast(2), in: folder)
        XCTAssertEqual(dp.status, 0, dp.stderr)
        // The canaries join at random, so the table's size, q and the calibrated σ vary: the
        // accountant's ε is at most the target, printed to 4 decimals (1.0000 when just under).
        let claimed = try XCTUnwrap(dp.stderr.components(separatedBy: "at or below the accountant's ε = ").dropFirst().first
            .flatMap { Double($0.prefix(6)) }, dp.stderr)
        XCTAssertLessThanOrEqual(claimed, 1)
        XCTAssertGreaterThan(claimed, 0.99)

        // -o names the audit's folder, as in every command; a resumed run is no audit.
        let refused = try CommandRunner.run(["audit", "-o", "x", "--schema", schema, "--data", sample, "--resume", "plain"], in: folder)
        XCTAssertEqual(refused.status, 64)
        XCTAssertTrue(refused.stderr.contains("the audit trains from scratch: drop --resume"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x").path))
        // A refusal found once the run has begun (the model has one block) leaves no folder behind.
        let late = try CommandRunner.run(["audit", "--canaries", "100", "--work", "late", "--dp", "--epsilon", "1", "--prior", "none",
                                          "--dp-blocks", "2", "--schema", schema, "--data", sample, "--steps", "5"] + tiny.dropLast(2), in: folder)
        XCTAssertNotEqual(late.status, 0, late.stderr)
        XCTAssertTrue(late.stderr.contains("--dp-blocks 2: the model has 1 block"), late.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("late").path), late.stderr)
    }
}
