@testable import TablmCore
import XCTest

/// Splitting a batch over worker replicas must give the gradient of the whole batch on one model.
final class ModelWorkersTests: XCTestCase {
    private let config = GPT2Config(vocabularySize: 11, contextLength: 6, width: 8, layers: 2, heads: 2)

    private func batch(rows: Int, seed: UInt64) -> TokenBatch {
        var generator = SplitMix64(seed: seed)
        let count = rows * config.contextLength
        let tokens = (0..<count).map { _ in Int32.random(in: 0..<11, using: &generator) }
        let targets = (0..<count).map { _ in Int32.random(in: 0..<11, using: &generator) }
        let weights = (0..<count).map { _ in Float.random(in: 0..<0.1, using: &generator) }
        return TokenBatch(tokens: tokens, targets: targets, weights: weights, batch: rows, length: config.contextLength, validTokens: count)
    }

    private func model() -> GPT2<Float> {
        let model = GPT2<Float>(config: config)
        model.initializeParameters(seed: 4)
        return model
    }

    func testSplitBatchGivesTheWholeBatchGradient() {
        let whole = batch(rows: 7, seed: 1)
        let single = model()
        let expectedLoss = Double(single.loss(tokens: whole.tokens, targets: whole.targets, weights: whole.weights, batch: 7, length: whole.length))
        single.backward()
        for count in [1, 3] {
            let workers = ModelWorkers(model: model(), count: count)
            // Twice: the replicas' gradients must be back at zero after each gather.
            for _ in 0..<2 {
                let loss = workers.lossAndGradient(whole)
                XCTAssertEqual(loss, expectedLoss, accuracy: 1e-5 * abs(expectedLoss))
                let difference = zip(workers.model.gradients, single.gradients).map { abs($0 - $1) }.max()!
                XCTAssertLessThan(difference, 1e-6, "\(count) workers")
            }
            XCTAssertEqual(workers.loss(whole), expectedLoss, accuracy: 1e-5 * abs(expectedLoss), "forward-only loss, \(count) workers")
        }
    }

    /// Rows of many lengths (padding last, as `RowBatcher` writes them) are run in groups cut to
    /// their longest row; the loss and gradient must still be the padded batch's on one model.
    func testLengthGroupsGiveThePaddedBatchGradient() {
        let config = GPT2Config(vocabularySize: 11, contextLength: 12, width: 8, layers: 2, heads: 2)
        var generator = SplitMix64(seed: 9)
        let rows = 37, t = config.contextLength
        var tokens: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        for _ in 0..<rows {
            let valid = Int.random(in: 1...t, using: &generator)
            for position in 0..<t {
                tokens.append(Int32.random(in: 0..<11, using: &generator))
                targets.append(Int32.random(in: 0..<11, using: &generator))
                weights.append(position < valid ? Float.random(in: 0.01..<0.1, using: &generator) : 0)
            }
        }
        let whole = TokenBatch(tokens: tokens, targets: targets, weights: weights, batch: rows, length: t,
                               validTokens: weights.filter { $0 > 0 }.count)
        let single = GPT2<Float>(config: config)
        single.initializeParameters(seed: 4)
        let expectedLoss = Double(single.loss(tokens: tokens, targets: targets, weights: weights, batch: rows, length: t))
        single.backward()
        for count in [1, 2] {
            let model = GPT2<Float>(config: config)
            model.initializeParameters(seed: 4)
            let workers = ModelWorkers(model: model, count: count)
            let plan = workers.lengthGroups(of: whole)
            XCTAssertEqual(plan.flatMap { $0.flatMap(\.rows) }.sorted(), Array(0..<rows), "every row once")
            XCTAssertTrue(plan.allSatisfy { $0.count > 1 }, "several groups on each of \(count) workers")
            XCTAssertTrue(plan.contains { $0.contains { $0.length < t } }, "some groups are cut short")
            let loss = workers.lossAndGradient(whole)
            XCTAssertEqual(loss, expectedLoss, accuracy: 1e-5 * abs(expectedLoss))
            let difference = zip(workers.model.gradients, single.gradients).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(difference, 1e-6, "\(count) workers")
            XCTAssertEqual(workers.loss(whole), expectedLoss, accuracy: 1e-5 * abs(expectedLoss))
        }
    }

    /// The clipped sum over micro-batches dealt to several workers equals the one-worker sum.
    func testClippedSumDoesNotDependOnWorkers() {
        let microBatches = (0..<5).map { batch(rows: 3, seed: UInt64(10 + $0)) }
        let reference = ModelWorkers(model: model(), count: 1)
        reference.clippedGradientSum(microBatches, clipNorm: 0.05)
        let parallel = ModelWorkers(model: model(), count: 2)
        parallel.clippedGradientSum(microBatches, clipNorm: 0.05)
        let norm = GradientClipping.norm(UnsafeBufferPointer(reference.model.gradients))
        XCTAssertGreaterThan(norm, 0)
        XCTAssertLessThanOrEqual(norm, 15 * 0.05 + 1e-6, "15 rows, each clipped to 0.05")
        let difference = zip(parallel.model.gradients, reference.model.gradients).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(difference, 1e-7)
    }
}
