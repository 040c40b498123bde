@testable import TablmCore
import XCTest

/// Ghost norms and the book-keeping clipped sum against the naive per-example loop (each example's
/// gradient computed alone by the ordinary backward pass), in float64.
final class PerExampleGradientTests: XCTestCase {
    func testGhostNormsAndWeightedSumEqualTheNaiveLoop() {
        let config = GPT2Config(vocabularySize: 13, contextLength: 6, width: 8, layers: 2, heads: 2)
        let model = GPT2<Double>(config: config)
        model.initializeParameters(seed: 9)
        var generator = SplitMix64(seed: 4)
        for i in 0..<model.parameterCount { model.parameters[i] += Double.random(in: -0.4...0.4, using: &generator) }
        let batch = 3, length = 6
        let tokens: [Int32] = [1, 5, 9, 12, 0, 3, /**/ 4, 4, 7, 2, 2, 3, /**/ 11, 6, 3, 0, 0, 0]
        let targets: [Int32] = [5, 9, 12, 0, 3, 2, /**/ 4, 7, 2, 2, 3, 2, /**/ 6, 3, 2, 0, 0, 0]
        // Per-example mean loss; the third row has three padding positions.
        let weights: [Double] = Array(repeating: 1.0 / 6, count: 12) + [1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0, 0]
        let factors: [Double] = [0.3, 1, 0.7]

        var naive: [[Double]] = []
        for b in 0..<batch {
            let range = (b * length)..<((b + 1) * length)
            model.zeroGradients()
            model.loss(tokens: Array(tokens[range]), targets: Array(targets[range]), weights: Array(weights[range]), batch: 1, length: length)
            model.backward()
            naive.append(Array(model.gradients))
        }
        let naiveNorms = naive.map { $0.reduce(0) { $0 + $1 * $1 }.squareRoot() }

        model.zeroGradients()
        model.loss(tokens: tokens, targets: targets, weights: weights, batch: batch, length: length)
        let (norms, addWeightedSum) = model.perExampleGradients()
        XCTAssertTrue(model.gradients.allSatisfy { $0 == 0 }, "measuring norms leaves the gradient buffer alone")
        for b in 0..<batch {
            XCTAssertEqual(norms[b], naiveNorms[b], accuracy: 1e-10 * naiveNorms[b])
            XCTAssertGreaterThan(norms[b], 0)
        }
        addWeightedSum(factors)
        for i in 0..<model.parameterCount {
            let expected = (0..<batch).reduce(0.0) { $0 + factors[$1] * naive[$1][i] }
            XCTAssertEqual(model.gradients[i], expected, accuracy: 1e-12 + 1e-10 * abs(expected), "parameter \(i)")
        }

        // Only the last block trained (`--dp-blocks 1`): norms over its parameters alone, the sum there
        // alone, every other gradient left at zero.
        let trained = model.layout.lastBlocks(1, of: 2)
        XCTAssertEqual(trained, model.layout.tensor("h.1.ln_1.weight")!.offset..<model.layout.tensor("ln_f.weight")!.offset)
        model.zeroGradients()
        model.loss(tokens: tokens, targets: targets, weights: weights, batch: batch, length: length)
        let (blockNorms, addBlockSum) = model.perExampleGradients(trainable: trained)
        for b in 0..<batch {
            let expected = naive[b][trained].reduce(0) { $0 + $1 * $1 }.squareRoot()
            XCTAssertEqual(blockNorms[b], expected, accuracy: 1e-10 * expected)
            XCTAssertLessThan(blockNorms[b], naiveNorms[b])
        }
        addBlockSum(factors)
        for i in 0..<model.parameterCount {
            let expected = trained.contains(i) ? (0..<batch).reduce(0.0) { $0 + factors[$1] * naive[$1][i] } : 0
            XCTAssertEqual(model.gradients[i], expected, accuracy: 1e-12 + 1e-10 * abs(expected), "parameter \(i)")
        }
    }
}
