import Foundation
import TablmCore
import XCTest

/// export → python/train_opacus.py (PyTorch + Opacus, 2 DP-SGD steps on CPU) → import, with a tiny
/// model. Needs a Python with torch and Opacus in TABLM_OPACUS_PYTHON (scripts/test.sh sets one
/// up); skipped without it.
final class OpacusRouteTests: XCTestCase {
    private func python() throws -> String {
        guard let python = ProcessInfo.processInfo.environment["TABLM_OPACUS_PYTHON"], FileManager.default.isExecutableFile(atPath: python) else {
            throw XCTSkip("TABLM_OPACUS_PYTHON is not set (scripts/test.sh sets it when torch and Opacus install)")
        }
        return python
    }

    private func runPython(_ python: String, _ arguments: [String], in folder: URL) throws -> CommandResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = arguments
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile(), errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }

    func testExportTrainWithOpacusImportGenerate() throws {
        let python = try python()
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let prior = try CommandRunner.run(["finetune", "--dp", "--epsilon", "2", "--prior", "none", "--accept-noise", "--steps", "1",
                                           "--schema", schema, "--data", sample, "--layers", "1", "--width", "16", "--heads", "2", "-o", "start"], in: folder)
        XCTAssertEqual(prior.status, 0, prior.stderr)
        let export = try CommandRunner.run(["export", "--checkpoint", "start", "--data", sample, "--epsilon", "4", "--steps", "2",
                                            "--expected-batch-size", "16", "-o", "bundle"], in: folder)
        XCTAssertEqual(export.status, 0, export.stderr)
        // The rate is over the row count the start released (it had no prior), not the true 500, and
        // export releases no second count.
        let startRecord = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("start/training.json")))
        let released = try XCTUnwrap(startRecord.privacy?.rateRows)
        XCTAssertFalse(export.stderr.contains("row count released"), export.stderr)
        let bundleMeta = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("bundle/bundle.json"))) as! [String: Any]
        let bundleQ = try XCTUnwrap((bundleMeta["dp"] as? [String: Any])?["sample_rate"] as? Double)
        XCTAssertEqual(bundleQ, 16 / Double(Int(released.rounded())), accuracy: 1e-15)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("bundle").path).sorted()
        XCTAssertEqual(files, ["bundle.json", "config.json", "model.safetensors", "requirements.txt", "row-template.txt", "rows.txt",
                               "schema.json", "tokenizer.model", "train_opacus.py"])
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("bundle/config.json"))) as! [String: Any]
        XCTAssertEqual(config["resid_pdrop"] as? Double, 0, "dropout off")
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("bundle/rows.txt"), encoding: .utf8).split(separator: "\n").count, 500)

        let check = try runPython(python, ["bundle/train_opacus.py", "bundle", "--check-per-sample", "4"], in: folder)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        XCTAssertTrue(check.stdout.contains("per-sample gradients against one-row backward passes: largest difference"), check.stdout)

        let train = try runPython(python, ["bundle/train_opacus.py", "bundle", "-o", "result"], in: folder)
        XCTAssertEqual(train.status, 0, train.stderr)
        // Progress as finetune prints it, in the plan's expectations (a drawn batch's size is private).
        XCTAssertNotNil(train.stderr.range(of: #"step 2/2  [0-9.]+ steps/s  [0-9,]+ rows/s  [0-9,]+ tokens/s \(expected\)  ETA 0s"#, options: .regularExpression), train.stderr)
        XCTAssertTrue(train.stderr.contains("trained 2 steps in "), train.stderr)
        let recordURL = folder.appendingPathComponent("result/opacus-record.json")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as! [String: Any]
        let plan = record["dp"] as! [String: Any]
        let sigma = try XCTUnwrap(plan["noise_multiplier"] as? Double), q = try XCTUnwrap(plan["sample_rate"] as? Double)
        XCTAssertEqual(plan["steps"] as? Int, 2)

        let imported = try CommandRunner.run(["import", "result", "-o", "imported"], in: folder)
        XCTAssertEqual(imported.status, 0, imported.stderr)
        // The imported ε is tablm's accountant over the start checkpoint's events and the recorded (σ, q, T).
        let start = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("start/training.json"))) as! [String: Any]
        let startPrivacy = start["privacy"] as! [String: Any]
        let training = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("imported/training.json"))) as! [String: Any]
        let privacy = training["privacy"] as! [String: Any]
        let events = privacy["events"] as! [[String: Any]]
        XCTAssertEqual(events.count, (startPrivacy["events"] as! [Any]).count + 1)
        XCTAssertEqual(events.last?["noise_multiplier"] as? Double, sigma)
        XCTAssertEqual(events.last?["sample_rate"] as? Double, q)
        XCTAssertEqual(events.last?["steps"] as? Int, 2)
        let recomputed = try CommandRunner.run(["privacy", "epsilon", "checkpoint", "imported"], in: folder)
        XCTAssertEqual(recomputed.status, 0, recomputed.stderr)
        let epsilon = try XCTUnwrap(Double(recomputed.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertEqual(privacy["epsilon"] as? Double ?? -1, epsilon, accuracy: 1e-9)
        // The start's rate was over a released count: a filter, which export and import go on with at
        // its order. Past the start's claim (2) the new steps are charged on top of its whole budget:
        // at the order the conversion is linear, so they compose to 2 plus their RDP there, at most 4.
        let order = try XCTUnwrap(startPrivacy["filter_order"] as? Double)
        XCTAssertEqual(plan["filter_order"] as? Double, order)
        XCTAssertEqual(privacy["filter_order"] as? Double, order)
        let charged = 2 + 2 * RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: order)
        XCTAssertLessThanOrEqual(charged, 4 + 1e-9)
        XCTAssertGreaterThan(charged, 3.95, "σ calibrated to fill the budget")
        XCTAssertEqual(epsilon, 4)

        let generate = try CommandRunner.run(["generate", "--checkpoint", "imported", "--rows", "20", "-o", "rows.csv"], in: folder)
        XCTAssertEqual(generate.status, 0, generate.stderr)
        XCTAssertTrue(generate.stderr.contains("20 of 20 rows fit the schema (100.0%)"), generate.stderr)

        // A record that claims less than its events compose to, or lacks a field, is refused.
        func tampered(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var edited = plan
            change(&edited)
            var whole = record
            whole["dp"] = edited
            return whole
        }
        try JSONSerialization.data(withJSONObject: tampered { $0["target_epsilon"] = 1.0 }).write(to: recordURL)
        let claimed = try CommandRunner.run(["import", "result", "-o", "refused"], in: folder)
        XCTAssertNotEqual(claimed.status, 0)
        XCTAssertTrue(claimed.stderr.contains("opacus-record.json: the record claims ε = 1.000000, but its events compose to"), claimed.stderr)
        try JSONSerialization.data(withJSONObject: tampered { $0["steps"] = nil }).write(to: recordURL)
        let incomplete = try CommandRunner.run(["import", "result", "-o", "refused"], in: folder)
        XCTAssertTrue(incomplete.stderr.contains("opacus-record.json") && incomplete.stderr.contains("missing key 'steps'"), incomplete.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("refused").path))
    }
}
