import Foundation
import TablmCore
import XCTest

/// A GPT-2 written elsewhere (Python's safetensors, Hugging Face names) loads here and gives the
/// logits of an independent NumPy implementation (Tests/Fixtures/make_tiny_gpt2.py) to 1e-4.
final class GoldenGPT2Tests: XCTestCase {
    private let folder = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/tiny-gpt2")

    private func loadModel(_ file: String) throws -> GPT2<Float> {
        let config = try JSONDecoder().decode(GPT2Config.self, from: Data(contentsOf: folder.appendingPathComponent("config.json")))
        let model = GPT2<Float>(config: config)
        try GPT2Weights.load(SafeTensorsFile(path: folder.appendingPathComponent(file).path), into: model)
        return model
    }

    private struct Golden: Decodable {
        var token_ids: [Int32]
        var logits: [[Double]]
    }

    func testLogitsMatchTheNumPyReference() throws {
        let model = try loadModel("model.safetensors")
        let golden = try JSONDecoder().decode([Golden].self, from: Data(contentsOf: folder.appendingPathComponent("logits.json")))
        XCTAssertEqual(golden.count, 2)
        for case_ in golden {
            let logits = model.logits(tokens: case_.token_ids, batch: 1, length: case_.token_ids.count)
            let v = model.config.vocabularySize
            var largest = 0.0
            for (t, row) in case_.logits.enumerated() {
                for (i, expected) in row.enumerated() {
                    largest = max(largest, abs(Double(logits[t * v + i]) - expected))
                }
            }
            XCTAssertLessThan(largest, 1e-4, "max |logit difference| for \(case_.token_ids)")
        }
    }

    func testHalfPrecisionFileLoadsToTheSameValuesRounded() throws {
        let full = try loadModel("model.safetensors")
        let half = try loadModel("model-f16.safetensors")
        for i in 0..<full.parameterCount {
            XCTAssertEqual(half.parameters[i], Float(Float16(full.parameters[i])), "parameter \(i)")
        }
    }

    func testBFloat16FileLoads() throws {
        let values: [Float] = [1.5, -2.25, 3.140625, 0, -0.0078125, 1e-20]
        // BF16 is the upper 16 bits of an F32.
        let data = values.flatMap { value -> [UInt8] in
            let bits = UInt16(value.bitPattern >> 16)
            return [UInt8(bits & 0xFF), UInt8(bits >> 8)]
        }
        let header = Array(#"{"x":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]}}"#.utf8)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: header.count >> (8 * $0)) } + header + data
        let path = try Fixtures.write(bytes, named: "b.safetensors", in: try Fixtures.scratchFolder(self))
        let file = try SafeTensorsFile(path: path)
        var out = [Float](repeating: 9, count: 6)
        out.withUnsafeMutableBufferPointer { file.read(file.entries[0], into: $0.baseAddress!) }
        XCTAssertEqual(out, values.map { Float(bitPattern: $0.bitPattern & 0xFFFF_0000) })
    }

    func testHalfPrecisionConversionMatchesSwiftFloat16() {
        for bits in 0...UInt16.max {
            let ours = HalfPrecision.float(fromHalf: bits)
            let swift = Float(Float16(bitPattern: bits))
            if swift.isNaN { XCTAssertTrue(ours.isNaN) } else { XCTAssertEqual(ours.bitPattern, swift.bitPattern, "half \(bits)") }
        }
    }

    func testMismatchedCheckpointsAreRefusedByName() throws {
        let config = GPT2Config(vocabularySize: 37, contextLength: 12, width: 16, layers: 3, heads: 4)
        let file = try SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        XCTAssertThrowsError(try GPT2Weights.load(file, into: GPT2<Float>(config: config))) { error in
            XCTAssertTrue("\(error)".contains("missing tensors h.2.ln_1.weight"), "\(error)")
        }
        let wider = GPT2Config(vocabularySize: 40, contextLength: 12, width: 16, layers: 2, heads: 4)
        XCTAssertThrowsError(try GPT2Weights.load(file, into: GPT2<Float>(config: wider))) { error in
            XCTAssertTrue("\(error)".contains("tensor 'transformer.wte.weight' has shape [37, 16], the config needs [40, 16]"), "\(error)")
        }
    }
}
