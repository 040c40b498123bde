import TablmCore
import XCTest

final class KVCacheDecoderTests: XCTestCase {
    /// Three sequences of nine tokens of a 23-token vocabulary.
    private static let sequences: [[Int32]] = [[1, 5, 9, 22, 0, 3, 3, 7, 2], [4, 4, 4, 10, 11, 12, 13, 14, 15], [21, 0, 1, 2, 6, 8, 19, 18, 17]]

    /// A 2-layer model, its initial weights moved by uniform noise of ±0.3 so that no logit is flat.
    private static func model(seed: UInt64, perturbation: UInt64) -> GPT2<Float> {
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: 23, contextLength: 9, width: 16, layers: 2, heads: 4))
        model.initializeParameters(seed: seed)
        var generator = SplitMix64(seed: perturbation)
        for i in 0..<model.parameterCount { model.parameters[i] += Float.random(in: -0.3...0.3, using: &generator) }
        return model
    }

    /// Step-by-step logits with the cache equal the full causal forward pass at every position.
    func testCachedLogitsEqualFullForward() {
        let model = Self.model(seed: 4, perturbation: 8), sequences = Self.sequences
        let full = model.logits(tokens: sequences.flatMap { $0 }, batch: 3, length: 9)
        let decoder = KVCacheDecoder(model: model, batch: 3)
        for position in 0..<9 {
            decoder.step(sequences.map { $0[position] })
            for b in 0..<3 {
                for i in 0..<23 {
                    XCTAssertEqual(decoder.logits[b * 23 + i], full[(b * 9 + position) * 23 + i], accuracy: 2e-5,
                                   "sequence \(b) position \(position) token \(i)")
                }
            }
        }
    }

    /// A sequence marked finished skips attention; the others' logits are bit for bit those of a
    /// decoder where none is marked (rows are computed independently in every kernel).
    func testFinishedSequencesDoNotChangeTheOthers() {
        let model = Self.model(seed: 6, perturbation: 2), sequences = Self.sequences
        let plain = KVCacheDecoder(model: model, batch: 3), skipping = KVCacheDecoder(model: model, batch: 3)
        for position in 0..<9 {
            let tokens = sequences.map { $0[position] }
            plain.step(tokens)
            // Sequence 1 finishes after position 3, sequence 2 after position 6.
            skipping.step(tokens, finished: [false, position > 3, position > 6])
            for b in 0..<3 where !(b == 1 && position > 3) && !(b == 2 && position > 6) {
                XCTAssertEqual(Array(skipping.logits[(b * 23)..<((b + 1) * 23)]), Array(plain.logits[(b * 23)..<((b + 1) * 23)]),
                               "sequence \(b) position \(position)")
            }
        }
    }
}

