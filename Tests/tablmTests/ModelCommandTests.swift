import Foundation
import XCTest

/// finetune → checkpoint → resume → generate → inspect, on the bundled sample with a tiny model.
final class ModelCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    func testFinetuneResumeGenerateInspect() throws {
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        // Sensitive and target named, so their values stay apart from their lead-ins (the probes below).
        XCTAssertEqual(try run(["schema", "infer", sample, "--target", "income", "--sensitive", "sex", "-o", "s.json"]).status, 0)
        let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4", "--eval-every", "2", "--average-decay", "0.9"]
        let first = try run(["finetune", "--schema", "s.json", "--data", sample, "--steps", "4", "-o", "ckpt"] + tiny)
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("step 4/4"), first.stderr)
        XCTAssertTrue(first.stderr.contains("held-out"), first.stderr)
        XCTAssertTrue(first.stderr.contains("tok/s"), first.stderr)
        XCTAssertTrue(first.stderr.contains("epoch 0.") && first.stderr.contains("ETA"), first.stderr)
        let refused = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "s.json", "--data", sample, "--epochs", "2", "-o", "dp"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--epochs needs held-out rows"), refused.stderr)
        // --eval-every and --held-out were taken and ignored under --dp.
        for extra in [["--eval-every", "2"], ["--held-out", "0.2"]] {
            let ignored = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "s.json", "--data", sample, "--steps", "2", "-o", "dp"] + extra)
            XCTAssertEqual(ignored.status, 64, ignored.stderr)
            XCTAssertTrue(ignored.stderr.contains("\(extra[0]) needs held-out rows, which --dp does not have"), ignored.stderr)
        }
        let badDecay = try run(["finetune", "--schema", "s.json", "--data", sample, "--average-decay", "1", "-o", "bad"])
        XCTAssertNotEqual(badDecay.status, 0)
        XCTAssertTrue(badDecay.stderr.contains("--average-decay must be in [0, 1)"), badDecay.stderr)
        // The checkpoint holds the average; the iterate waits beside the optimizer state for --resume.
        let optimizer = try String(decoding: Data(contentsOf: folder.appendingPathComponent("ckpt/optimizer.safetensors")).prefix(400), as: UTF8.self)
        XCTAssertTrue(optimizer.contains("average.iterate") && optimizer.contains("average_updates"), optimizer)

        let resumed = try run(["finetune", "--schema", "s.json", "--data", sample, "--resume", "ckpt", "--steps", "6", "-o", "ckpt"] + tiny)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stderr.contains("step 5/6"), "resumes after step 4: \(resumed.stderr)")
        XCTAssertFalse(resumed.stderr.contains("step 1/6"), resumed.stderr)

        let inspect = try run(["inspect", "checkpoint", "--checkpoint", "ckpt"])
        XCTAssertEqual(try run(["inspect", "checkpoint", "ckpt"]).stdout, inspect.stdout, "the positional form is kept")
        XCTAssertTrue(inspect.stdout.contains("h.0.attn.c_attn.weight [16, 48]"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("\"steps\" : 6"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("\"average_decay\" : 0.9"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("\"column_orders\""), "the trained order is recorded: \(inspect.stdout)")

        let generate = try run(["generate", "--checkpoint", "ckpt", "--rows", "6", "--batch-size", "4", "--workers", "1", "-o", "out.csv"])
        XCTAssertEqual(generate.status, 0, generate.stderr)
        XCTAssertTrue(generate.stderr.contains("of 6 rows fit the schema"), generate.stderr)
        // Progress: the first chunk and the last, with the rate and the time left.
        XCTAssertTrue(generate.stderr.contains("generate: 4/6 rows") && generate.stderr.contains("generate: 6/6 rows"), generate.stderr)
        XCTAssertTrue(generate.stderr.contains("rows/s  ETA"), generate.stderr)
        let csv = try String(contentsOf: folder.appendingPathComponent("out.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("age,workclass,fnlwgt,"), csv)
        // Conditions on the trained order's first column give a prefix the model has seen; on sex, not.
        let onAge = try run(["generate", "--checkpoint", "ckpt", "--rows", "2", "--condition", "age>=40", "-o", "age.csv"])
        XCTAssertEqual(onAge.status, 0, onAge.stderr)
        XCTAssertFalse(onAge.stderr.contains("in an order it never saw"), onAge.stderr)
        let onSex = try run(["generate", "--checkpoint", "ckpt", "--rows", "2", "--condition", "sex=Female", "-o", "sex.csv"])
        XCTAssertEqual(onSex.status, 0, onSex.stderr)
        XCTAssertTrue(onSex.stderr.contains("trained in one column order only (age, workclass, fnlwgt, ...)"), onSex.stderr)
        let lowercase = try run(["generate", "--checkpoint", "ckpt", "--rows", "2", "--condition", "sex=female", "-o", "bad.csv"])
        XCTAssertEqual(lowercase.status, 1)
        XCTAssertTrue(lowercase.stderr.contains("'female' is not a category of 'sex' (did you mean 'Female'?)"), lowercase.stderr)
        // A refusal is the one line: the order warning came before it.
        XCTAssertEqual(lowercase.stderr.split(separator: "\n").count, 1, lowercase.stderr)
        let contradiction = try run(["generate", "--checkpoint", "ckpt", "--rows", "2", "--condition", "sex=Female", "--condition", "sex=Male", "-o", "bad.csv"])
        XCTAssertEqual(contradiction.status, 1)
        XCTAssertEqual(contradiction.stderr.split(separator: "\n"), ["Error: the conditions on 'sex' leave no value"], contradiction.stderr)
        // Without --rows, as many rows as the table the checkpoint was trained on (training and held out).
        let asMany = try run(["generate", "--checkpoint", "ckpt", "--workers", "1", "-o", "all.csv"])
        XCTAssertEqual(asMany.status, 0, asMany.stderr)
        XCTAssertTrue(asMany.stderr.contains("of 500 rows fit the schema"), asMany.stderr)
        // Trained in one order that starts with age (sex before income): the mask, calibrated on the
        // model's own rows, takes it as it is (it used to be refused: its probes wrote sex first).
        let masked = try run(["generate", "--checkpoint", "ckpt", "--rows", "4", "--mask-fairness", "--sensitive", "sex",
                              "--fair-columns", "income", "--mask-pilot-rows", "200", "-o", "masked.csv"])
        XCTAssertEqual(masked.status, 0, masked.stderr)
        XCTAssertTrue(masked.stderr.contains("calibrated at strength 1 on 200 pilot rows"), masked.stderr)
        XCTAssertTrue(masked.stderr.contains("largest gap between two groups"), masked.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("masked.csv").path))
    }

    /// The target's weight: the default when the schema names a target, recorded, kept by --resume;
    /// refused without a target or out of range (under --dp: PrivatePathsTests).
    func testTargetWeightIsRecordedAndResumed() throws {
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        XCTAssertEqual(try run(["schema", "infer", sample, "-o", "plain.json"]).status, 0)
        XCTAssertEqual(try run(["schema", "infer", sample, "--target", "income", "-o", "s.json"]).status, 0)
        let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4", "--eval-every", "2"]
        for (arguments, message) in [(["--schema", "plain.json", "--target-weight", "2"], "--target-weight needs a target column"),
                                     (["--schema", "s.json", "--target-weight", "0"], "--target-weight must be in (0, 1000]")] {
            let refused = try run(["finetune", "--data", sample, "-o", "refused"] + arguments + tiny)
            XCTAssertNotEqual(refused.status, 0)
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
        }
        XCTAssertEqual(try run(["finetune", "--schema", "s.json", "--data", sample, "--steps", "2", "-o", "ckpt"] + tiny).status, 0)
        XCTAssertTrue(try run(["inspect", "checkpoint", "ckpt"]).stdout.contains("\"target_weight\" : 4"))
        XCTAssertEqual(try run(["finetune", "--schema", "s.json", "--data", sample, "--steps", "2", "--target-weight", "2.5", "-o", "w"] + tiny).status, 0)
        let resumed = try run(["finetune", "--schema", "s.json", "--data", sample, "--resume", "w", "--steps", "3", "-o", "w"] + tiny)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(try run(["inspect", "checkpoint", "w"]).stdout.contains("\"target_weight\" : 2.5"))
        XCTAssertEqual(try run(["finetune", "--schema", "plain.json", "--data", sample, "--steps", "2", "-o", "none"] + tiny).status, 0)
        XCTAssertFalse(try run(["inspect", "checkpoint", "none"]).stdout.contains("target_weight"), "no target, nothing weighted")
    }

    func testResumeRefusesAnotherTable() throws {
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        XCTAssertEqual(try run(["schema", "infer", sample, "-o", "s.json"]).status, 0)
        let tiny = ["--layers", "1", "--width", "8", "--heads", "2", "--batch-size", "2", "--steps", "1"]
        XCTAssertEqual(try run(["finetune", "--schema", "s.json", "--data", sample, "-o", "ckpt"] + tiny).status, 0)
        let lines = try String(contentsOfFile: sample, encoding: .utf8).split(separator: "\n").prefix(100)
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("other.csv"), atomically: false, encoding: .utf8)
        let result = try run(["finetune", "--schema", "s.json", "--data", "other.csv", "--resume", "ckpt", "-o", "ckpt"] + tiny + ["--steps", "2"])
        XCTAssertNotEqual(result.status, 0)
        XCTAssertTrue(result.stderr.contains("other.csv: this is not the table the checkpoint was trained on"), result.stderr)
    }

    /// `inspect logits` on the golden fixture prints what the NumPy reference computed.
    func testInspectLogitsMatchesTheGoldenFixture() throws {
        let fixture = CommandRunner.repositoryRoot.appendingPathComponent("Tests/Fixtures/tiny-gpt2")
        let result = try run(["inspect", "logits", "--checkpoint", fixture.path, "--token-ids", "3,14,15"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let ours = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [[Double]]
        let golden = try JSONSerialization.jsonObject(with: Data(contentsOf: fixture.appendingPathComponent("logits.json"))) as! [[String: Any]]
        let expected = golden[1]["logits"] as! [[Double]]
        XCTAssertEqual(ours.count, 3)
        for (row, reference) in zip(ours, expected) {
            for (value, wanted) in zip(row, reference) { XCTAssertEqual(value, wanted, accuracy: 1e-4) }
        }
        let bad = try run(["inspect", "logits", "--checkpoint", fixture.path, "--token-ids", "3,99"])
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("'99' is not a token id below 37"), bad.stderr)
    }
}
