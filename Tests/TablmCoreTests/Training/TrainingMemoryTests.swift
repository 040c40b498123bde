import XCTest
@testable import TablmCore

/// `TrainingMemory` against a count by hand of a small model's buffers, and which options its
/// refusal names.
final class TrainingMemoryTests: XCTestCase {
    // Vocabulary 10, context 8, width 4, one block, 2 heads. Parameters by tensor: wte 10·4 = 40,
    // wpe 8·4 = 32; the block: ln_1 4+4, c_attn 4·12+12 = 60, c_proj 4·4+4 = 20, ln_2 4+4,
    // c_fc 4·16+16 = 80, mlp c_proj 16·4+4 = 68, 244 in all; ln_f 4+4. 324 parameters.
    let config = GPT2Config(vocabularySize: 10, contextLength: 8, width: 4, layers: 1, heads: 2)

    func testBytesAreTheBuffersCountedByHand() {
        XCTAssertEqual(ParameterLayout(config: config).count, 324)
        let memory = TrainingMemory(config: config, rows: 3, length: 5, workers: 2, keepsAverage: true)
        // Weights, two workers' gradients, AdamW's two moments, the average: 6 copies of 324 floats.
        XCTAssertEqual(memory.parameterCopies, 6)
        XCTAssertEqual(memory.parameterBytes, 6 * 324 * 4)
        // 15 tokens: the block's 16·4 floats and 2 heads · 5 scores a token, and 2 · 10 logits a token.
        XCTAssertEqual(memory.activationBytes, 4 * (15 * (16 * 4 + 2 * 5) + 2 * 15 * 10))
        XCTAssertEqual(memory.bytes, 7776 + 5640)
        XCTAssertEqual(TrainingMemory(config: config, rows: 3, length: 5, workers: 1, keepsAverage: false).parameterBytes, 4 * 324 * 4)
    }

    func testRefusalNamesWhatDoesNotFit() throws {
        let memory = TrainingMemory(config: config, rows: 3, length: 5, workers: 2, keepsAverage: true)
        XCTAssertNoThrow(try memory.require(modelOptions: "--width 4", stepOptions: "--batch-size 3", memory: 13_416))
        func refusal(_ bytes: Double) -> String {
            do {
                try memory.require(modelOptions: "--width 4", stepOptions: "--batch-size 3", memory: bytes)
                return "accepted"
            } catch { return "\(error)" }
        }
        XCTAssertTrue(refusal(13_415).hasPrefix("--width 4 --batch-size 3: training needs about "), refusal(13_415))   // neither alone is too large
        XCTAssertTrue(refusal(7_000).hasPrefix("--width 4: "), refusal(7_000))                                        // the parameters alone are
        XCTAssertTrue(refusal(7_777).hasPrefix("--width 4 --batch-size 3: "), refusal(7_777))
        XCTAssertTrue(refusal(5_000).hasPrefix("--width 4: "), refusal(5_000))   // both are: the parameters come first
        XCTAssertTrue(refusal(7_000).contains("AdamW's two moments and the average"), refusal(7_000))
    }
}
