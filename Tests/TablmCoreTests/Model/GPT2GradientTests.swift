import TablmCore
import XCTest

final class GPT2GradientTests: XCTestCase {
    private let config = GPT2Config(vocabularySize: 11, contextLength: 6, width: 8, layers: 2, heads: 2)
    private let batch = 2, length = 5

    private func model<S: ModelScalar>(_: S.Type) -> GPT2<S> {
        let model = GPT2<S>(config: config)
        model.initializeParameters(seed: 3)
        // Larger, non-symmetric values than GPT-2's init so every path carries a visible gradient.
        var generator = SplitMix64(seed: 11)
        for i in 0..<model.parameterCount {
            model.parameters[i] += S(Double.random(in: -0.5...0.5, using: &generator))
        }
        return model
    }

    private var batchData: (tokens: [Int32], targets: [Int32], weights: [Double]) {
        let tokens: [Int32] = [1, 4, 7, 2, 9, 3, 3, 10, 0, 5]
        let targets: [Int32] = [4, 7, 2, 9, 6, 3, 10, 0, 5, 8]
        // The last two positions of row 2 are padding (weight 0); the rest average.
        let weights: [Double] = [1, 1, 1, 1, 1, 1, 1, 1, 0, 0].map { $0 / 8 }
        return (tokens, targets, weights)
    }

    /// Central differences in float64: every tensor, several entries each, |analytic − numeric|
    /// ≤ 1e-7 + 1e-5 · |numeric|.
    func testEveryTensorMatchesFiniteDifferences() {
        let model = model(Double.self)
        let data = batchData
        func loss() -> Double {
            model.loss(tokens: data.tokens, targets: data.targets, weights: data.weights, batch: batch, length: length)
        }
        model.zeroGradients()
        _ = loss()
        model.backward()
        let analytic = Array(model.gradients)
        var generator = SplitMix64(seed: 5)
        for tensor in model.layout.tensors {
            var indices = (0..<min(tensor.count, 6)).map { _ in tensor.offset + Int.random(in: 0..<tensor.count, using: &generator) }
            if tensor.name == "wte.weight" { indices.append(tensor.offset + 6 * config.width) } // token 6: only a target
            var largest = 0.0
            for index in indices {
                let numeric = FiniteDifference.central(model, at: index, of: loss)
                largest = max(largest, abs(numeric))
                XCTAssertEqual(analytic[index], numeric, accuracy: 1e-7 + 1e-5 * abs(numeric), "\(tensor.name)[\(index - tensor.offset)]")
            }
            if tensor.name != "wpe.weight" { XCTAssertGreaterThan(largest, 1e-6, "\(tensor.name) has a gradient to check") }
        }
        // Position 5 is never used (length 5 < context 6): its gradient must be exactly zero.
        let wpe = model.layout.tensor("wpe.weight")!
        XCTAssertTrue(analytic[(wpe.offset + 5 * config.width)..<(wpe.offset + wpe.count)].allSatisfy { $0 == 0 })
    }

    /// The Float path (sgemm) gives the same loss and gradients as the float64 path.
    func testFloatAgreesWithDouble() {
        let reference = model(Double.self)
        let single = GPT2<Float>(config: config)
        for i in 0..<reference.parameterCount { single.parameters[i] = Float(reference.parameters[i]) }
        let data = batchData
        let referenceLoss = reference.loss(tokens: data.tokens, targets: data.targets, weights: data.weights, batch: batch, length: length)
        let singleLoss = single.loss(tokens: data.tokens, targets: data.targets, weights: data.weights.map(Float.init), batch: batch, length: length)
        XCTAssertEqual(Double(singleLoss), referenceLoss, accuracy: 1e-5 * referenceLoss)
        reference.zeroGradients()
        single.zeroGradients()
        reference.backward()
        single.backward()
        var difference = 0.0, norm = 0.0
        for i in 0..<reference.parameterCount {
            difference += pow(Double(single.gradients[i]) - reference.gradients[i], 2)
            norm += pow(reference.gradients[i], 2)
        }
        XCTAssertLessThan((difference / norm).squareRoot(), 1e-4)
    }

    /// Padding positions change nothing: same loss and gradients whatever their tokens and targets.
    func testPaddingIsIgnored() {
        let model = model(Double.self)
        var data = batchData
        model.zeroGradients()
        let first = model.loss(tokens: data.tokens, targets: data.targets, weights: data.weights, batch: batch, length: length)
        model.backward()
        let gradients = Array(model.gradients)
        data.tokens[9] = 3
        data.targets[8] = 1
        data.targets[9] = 2
        model.zeroGradients()
        XCTAssertEqual(model.loss(tokens: data.tokens, targets: data.targets, weights: data.weights, batch: batch, length: length), first)
        model.backward()
        XCTAssertEqual(Array(model.gradients), gradients)
    }
}
