import Foundation
import XCTest

/// `export`'s DP-SGD plan without the Python side: the CPU plan, the GPU-sized one, and the guard that
/// keeps a GPU batch to a quarter of a small table.
final class ExportCommandTests: XCTestCase {
    private func dp(_ folder: URL, _ bundle: String) throws -> [String: Any] {
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("\(bundle)/bundle.json"))) as! [String: Any]
        return try XCTUnwrap(meta["dp"] as? [String: Any])
    }

    /// A checkpoint whose rate was over a released count is a Rényi filter: export goes on with it at
    /// its order, within its claim with no charge, past it on top of the whole budget; below its claim,
    /// or at another δ (another budget, chosen after seeing the run), it is refused before any work.
    func testAFilterCheckpointIsExportedAtItsOrderAndNotBelowItsClaim() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let start = try CommandRunner.run(["finetune", "--dp", "--epsilon", "2", "--prior", "none", "--accept-noise", "--steps", "1", "--accountant", "rdp",
                                           "--schema", schema, "--data", sample, "--layers", "1", "--width", "16", "--heads", "2", "-o", "start"], in: folder)
        XCTAssertEqual(start.status, 0, start.stderr)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("start/training.json"))) as! [String: Any]
        let order = try XCTUnwrap((record["privacy"] as? [String: Any])?["filter_order"] as? Double)
        for (extra, expected) in [(["--epsilon", "1"], "--epsilon 1 is below the checkpoint's own guarantee, ε = 2.000000"),
                                  (["--epsilon", "4", "--delta", "1e-4"], "--delta 0.0001: the checkpoint's guarantee is a filter at δ = 1e-05")] {
            let refused = try CommandRunner.run(["export", "--checkpoint", "start", "--data", sample, "--accountant", "rdp", "-o", "refused"] + extra, in: folder)
            XCTAssertEqual(refused.status, 64, refused.stderr)
            XCTAssertTrue(refused.stderr.contains(expected), refused.stderr)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("refused").path))
        }
        for (epsilon, charged) in [("2", false), ("4", true)] {
            let run = try CommandRunner.run(["export", "--checkpoint", "start", "--data", sample, "--epsilon", epsilon, "--accountant", "rdp", "--steps", "2",
                                             "-o", "at\(epsilon)"], in: folder)
            XCTAssertEqual(run.status, 0, run.stderr)
            let plan = try dp(folder, "at\(epsilon)")
            XCTAssertEqual(plan["filter_order"] as? Double, order)
            XCTAssertEqual(plan["filter_credit"] != nil, charged, "\(plan)")
        }
    }

    func testGPUPlanTakesLargeBatchesAndMoreSteps() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let start = try CommandRunner.run(["finetune", "--dp", "--epsilon", "2", "--prior", "none", "--accept-noise", "--steps", "1", "--rows", "500",
                                           "--accountant", "rdp", "--schema", schema, "--data", sample, "--layers", "1", "--width", "16", "--heads", "2", "-o", "start"], in: folder)
        XCTAssertEqual(start.status, 0, start.stderr)
        func export(_ extra: [String], to bundle: String) throws -> [String: Any] {
            // RDP calibrates in milliseconds where PLD takes seconds in a debug build; the plan's shape is the same.
            let run = try CommandRunner.run(["export", "--checkpoint", "start", "--data", sample, "--epsilon", "8", "--accountant", "rdp",
                                             "-o", bundle] + extra, in: folder)
            XCTAssertEqual(run.status, 0, run.stderr)
            return try dp(folder, bundle)
        }
        // The rate is the expected batch over the rows declared public, so each plan's q is known exactly.
        let cpu = try export(["--rows", "100000"], to: "cpu")
        // Nothing read off the rows is said: the line printed the true count and the longest row,
        // and the bundle's padded length (which the script prints rates from) was that longest row.
        let said = try CommandRunner.run(["export", "--checkpoint", "start", "--data", sample, "--epsilon", "8", "--accountant", "rdp", "-o", "quiet"], in: folder)
        XCTAssertEqual(said.status, 0, said.stderr)
        XCTAssertFalse(said.stderr.contains("tokens a row"), said.stderr)
        XCTAssertTrue(said.stderr.contains("over 500 rows (the checkpoint's count)"), said.stderr)
        let meta = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("quiet/bundle.json"))) as! [String: Any]
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("start/config.json"))) as! [String: Any]
        XCTAssertEqual(meta["sequence_length"] as? Int, try XCTUnwrap(config["n_positions"] as? Int))
        XCTAssertEqual(cpu["steps"] as? Int, 300, "no prior: the recipe's 300 steps")
        XCTAssertEqual(try XCTUnwrap(cpu["sample_rate"] as? Double), 256.0 / 100_000, accuracy: 1e-15)
        let gpu = try export(["--rows", "100000", "--gpu"], to: "gpu")
        XCTAssertEqual(gpu["steps"] as? Int, 400)
        XCTAssertEqual(try XCTUnwrap(gpu["sample_rate"] as? Double), 2048.0 / 100_000, accuracy: 1e-15)
        // Eight times the rows a step and a third more steps, at the same ε: more noise per step.
        XCTAssertGreaterThan(try XCTUnwrap(gpu["noise_multiplier"] as? Double), try XCTUnwrap(cpu["noise_multiplier"] as? Double))
        // 500 rows: a quarter of them, 125, not 2,048 (which no Poisson rate over 500 rows can expect);
        // --steps still says how many.
        let small = try export(["--rows", "500", "--gpu", "--steps", "50"], to: "small")
        XCTAssertEqual(try XCTUnwrap(small["sample_rate"] as? Double), 0.25, accuracy: 1e-15)
        XCTAssertEqual(small["steps"] as? Int, 50)

        // --script names the script the bundle carries (it copied the folder's train_opacus.py
        // whatever the name); one without a requirements.txt beside it is refused before any work.
        let repository = CommandRunner.repositoryRoot.appendingPathComponent("python")
        let mine = folder.appendingPathComponent("mine")
        try FileManager.default.createDirectory(at: mine, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: repository.appendingPathComponent("train_opacus.py"), to: mine.appendingPathComponent("my_train.py"))
        let lonely = try CommandRunner.run(["export", "--checkpoint", "start", "--data", sample, "--epsilon", "8", "--accountant", "rdp", "--rows", "100000",
                                            "--script", "mine/my_train.py", "-o", "lonely"], in: folder)
        XCTAssertEqual(lonely.status, 64, lonely.stderr)
        XCTAssertTrue(lonely.stderr.contains("--script mine/my_train.py has no requirements.txt beside it"), lonely.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("lonely").path))
        try FileManager.default.copyItem(at: repository.appendingPathComponent("requirements.txt"), to: mine.appendingPathComponent("requirements.txt"))
        try Data("\n# mine\n".utf8).append(to: mine.appendingPathComponent("my_train.py"))
        _ = try export(["--rows", "100000", "--script", "mine/my_train.py"], to: "mine-bundle")
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("mine-bundle/train_opacus.py")),
                       try Data(contentsOf: mine.appendingPathComponent("my_train.py")), "the script named, as train_opacus.py")
    }
}

private extension Data {
    func append(to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: self)
    }
}
