import Foundation
import TablmCore
import XCTest

final class CheckpointTests: XCTestCase {
    private let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"])], source: .public)

    private func checkpoint() throws -> Checkpoint {
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 16, width: 8, layers: 2, heads: 2))
        model.initializeParameters(seed: 1)
        var record = TrainingRecord(steps: 7, tokensSeen: 99)
        record.dataSHA256 = "abc"
        return Checkpoint(model: model, tokenizer: tokenizer, schema: schema, template: .standard, record: record)
    }

    func testSaveLoadRoundTripAndAtomicReplace() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = folder.appendingPathComponent("ckpt").path
        let original = try checkpoint()
        let optimizer = AdamW(layout: original.model.layout)
        try original.save(to: path, optimizer: optimizer)
        try original.save(to: path, optimizer: optimizer)   // replacing an existing checkpoint
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["ckpt"], "no staging folders left")
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: path)),
                       ["model.safetensors", "config.json", "tokenizer.model", "schema.json", "row-template.txt", "training.json", "optimizer.safetensors"])
        let loaded = try Checkpoint.load(folder: path)
        XCTAssertEqual(Array(loaded.model.parameters), Array(original.model.parameters))
        XCTAssertEqual(loaded.model.config, original.model.config)
        XCTAssertEqual(loaded.schema, schema)
        XCTAssertEqual(loaded.record, original.record)
        XCTAssertEqual(loaded.tokenizer.modelBytes, original.tokenizer.modelBytes)
        let restored = AdamW(layout: original.model.layout)
        XCTAssertTrue(try Checkpoint.restoreOptimizer(folder: path, into: restored))
        let config = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path + "/config.json"))) as! [String: Any]
        XCTAssertEqual(config["model_type"] as? String, "gpt2")
        XCTAssertEqual(config["activation_function"] as? String, "gelu_new")
        XCTAssertEqual(config["n_embd"] as? Int, 8)
    }

    func testMissingPiecesAreNamed() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = folder.appendingPathComponent("ckpt").path
        try checkpoint().save(to: path)
        try FileManager.default.removeItem(atPath: path + "/tokenizer.model")
        XCTAssertThrowsError(try Checkpoint.load(folder: path)) { error in
            XCTAssertTrue("\(error)".hasSuffix("tokenizer.model: no such file"), "\(error)")
        }
        XCTAssertThrowsError(try Checkpoint.load(folder: folder.appendingPathComponent("none").path))
    }

    /// Python's `safetensors.numpy.load_file` reads our weights with Hugging Face names and shapes
    /// (skipped when Python's safetensors is not installed).
    func testPythonSafetensorsReadsOurCheckpoint() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = folder.appendingPathComponent("ckpt").path
        let original = try checkpoint()
        try original.save(to: path)
        let script = """
        import sys
        try:
            from safetensors.numpy import load_file
        except ImportError:
            sys.exit(77)
        tensors = load_file(sys.argv[1])
        for name in sorted(tensors):
            t = tensors[name]
            print(name, str(t.dtype), ",".join(map(str, t.shape)), repr(float(t.astype("float64").sum())))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path + "/model.safetensors"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw XCTSkip("python3 is not available") }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 77 { throw XCTSkip("Python's safetensors is not installed") }
        XCTAssertEqual(process.terminationStatus, 0)
        let lines = text.split(separator: "\n")
        let expected = original.model.layout.tensors.sorted { $0.name < $1.name }
        XCTAssertEqual(lines.count, expected.count)
        for (line, tensor) in zip(lines, expected) {
            let parts = line.split(separator: " ")
            XCTAssertEqual(String(parts[0]), tensor.name)
            XCTAssertEqual(String(parts[1]), "float32")
            XCTAssertEqual(String(parts[2]), tensor.shape.map(String.init).joined(separator: ","))
            let sum = (tensor.offset..<tensor.offset + tensor.count).reduce(0.0) { $0 + Double(original.model.parameters[$1]) }
            XCTAssertEqual(Double(parts[3])!, sum, accuracy: 1e-9 + 1e-9 * abs(sum), tensor.name)
        }
        XCTAssertTrue(lines.contains { $0.hasPrefix("h.0.attn.c_attn.weight float32 8,24 ") }, "Conv1D layout [in, out]")
    }
}
