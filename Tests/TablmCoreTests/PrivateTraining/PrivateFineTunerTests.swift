@testable import TablmCore
import XCTest

final class PrivateFineTunerTests: XCTestCase {
    private let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"]),
                                          .categorical("income", ["<=50K", ">50K"])], source: .public, target: "income", sensitive: ["sex"])

    private func tuner(rows count: Int, settings: DPSettings, seed: UInt64 = 1, fairnessLambda: Double = 0,
                       females: Int? = nil) throws -> PrivateFineTuner {
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        var generator = SplitMix64(seed: 5)
        let rows: [Row] = (0..<count).map { index in
            let female = Bool.random(using: &generator)
            return [.number(Int64.random(in: 0...99, using: &generator)), .category(females.map { index < $0 } ?? female ? "Female" : "Male"),
                    .category(Bool.random(using: &generator) ? "<=50K" : ">50K")]
        }
        let batcher = try RowBatcher(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, rows: rows, context: 32)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: batcher.length, width: 16, layers: 1, heads: 2))
        model.initializeParameters(seed: 3)
        let fairness = fairnessLambda == 0 ? nil : try FairnessRegularizer(
            probes: FairnessProbes(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, sensitive: "sex", columns: ["income"]),
            lambda: fairnessLambda, padding: tokenizer.padID)
        return PrivateFineTuner(model: model, batcher: batcher, rows: rows, settings: settings, generator: ChaCha20Generator(insecureSeed: seed),
                                fairness: fairness)
    }

    /// With q = 1 every row is in every step. Without noise and with a clip bound no row reaches, the
    /// privatized gradient is the plain mean of the rows' gradients, computed independently here by
    /// the ordinary backward pass one row at a time.
    func testWithoutNoiseOrClippingTheGradientIsTheMeanRowGradient() throws {
        var settings = DPSettings(noiseMultiplier: 0, sampleRate: 1, steps: 1)
        settings.clipNorm = 1e9
        settings.microBatch = 3
        let tuner = try tuner(rows: 7, settings: settings)
        XCTAssertEqual(try tuner.privatizedGradient(step: 0), 7)
        let privatized = Array(tuner.model.gradients)
        var expected = [Double](repeating: 0, count: privatized.count)
        for index in 0..<7 {
            let sequence = try tuner.batcher.sequence(tuner.rowsForTesting[index], order: tuner.batcher.serializer.columnOrder(seed: 0, rowIndex: index))
            var batch = tuner.batcher.batch([sequence])
            batch.weights = batch.weights.map { $0 > 0 ? 1 / Float(sequence.count - 1) : 0 }
            tuner.model.zeroGradients()
            tuner.model.loss(tokens: batch.tokens, targets: batch.targets, weights: batch.weights, batch: 1, length: batch.length)
            tuner.model.backward()
            for i in expected.indices { expected[i] += Double(tuner.model.gradients[i]) / 7 }
        }
        for i in expected.indices { XCTAssertEqual(Double(privatized[i]), expected[i], accuracy: 1e-5 + 1e-3 * abs(expected[i])) }
    }

    /// Each row's contribution is clipped to C: with σ = 0 and q = 1 the privatized gradient's norm is
    /// at most C (the mean of vectors of norm ≤ C), and here, with a tiny C, every row is clipped.
    func testEveryRowIsClippedToTheBound() throws {
        var settings = DPSettings(noiseMultiplier: 0, sampleRate: 1, steps: 1)
        settings.clipNorm = 1e-3
        let tuner = try tuner(rows: 9, settings: settings)
        try tuner.privatizedGradient(step: 0)
        let norm = GradientClipping.norm(UnsafeBufferPointer(tuner.model.gradients))
        XCTAssertLessThanOrEqual(norm, 1e-3 * (1 + 1e-5))
        XCTAssertGreaterThan(norm, 1e-3 * 0.3, "clipped rows still carry their direction")
    }

    /// The noise added has standard deviation σ·C before the division by qN: the difference of a noisy
    /// and a noise-free privatized gradient (same rows, q = 1), times N, over ~1,300 coordinates.
    func testNoiseHasTheStatedStandardDeviation() throws {
        var quiet = DPSettings(noiseMultiplier: 0, sampleRate: 1, steps: 1)
        quiet.clipNorm = 0.5
        var noisy = quiet
        noisy.noiseMultiplier = 2
        let a = try tuner(rows: 5, settings: quiet), b = try tuner(rows: 5, settings: noisy, seed: 11)
        try a.privatizedGradient(step: 0)
        try b.privatizedGradient(step: 0)
        let noise = (0..<a.model.parameterCount).map { Double(b.model.gradients[$0] - a.model.gradients[$0]) * 5 }
        let mean = noise.reduce(0, +) / Double(noise.count)
        let sd = (noise.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(noise.count)).squareRoot()
        XCTAssertGreaterThan(noise.count, 1000)
        // σ·C = 1; a 5 % tolerance at this sample size (sd of the estimate ≈ 2 %) still fails a factor 2.
        XCTAssertEqual(sd, 1.0, accuracy: 0.05)
        XCTAssertEqual(mean, 0, accuracy: 0.1)
    }

    /// `trainable` (`--dp-blocks`): outside the range the privatized gradient is exactly zero and the
    /// parameters keep their values bit for bit through a step (weight decay included); inside, the
    /// noise has standard deviation σ·C as above, and the parameters move.
    func testFrozenParametersGetNoNoiseAndKeepTheirValues() throws {
        var settings = DPSettings(noiseMultiplier: 2, sampleRate: 1, steps: 2)
        settings.clipNorm = 0.5
        settings.adam.weightDecay = 0.1
        settings.averageDecay = 0.999
        let probe = try tuner(rows: 5, settings: settings)
        let trained = probe.model.layout.lastBlocks(1, of: 1)
        settings.trainable = trained
        let tuner = try tuner(rows: 5, settings: settings, seed: 11)
        let before = Array(tuner.model.parameters)
        try tuner.privatizedGradient(step: 0)
        let gradients = Array(tuner.model.gradients)
        for i in gradients.indices where !trained.contains(i) { XCTAssertEqual(gradients[i], 0, "parameter \(i) is frozen") }
        let inside = gradients[trained].map { Double($0) * 5 }   // noise dominates: σ·C = 1 against clipped rows of norm ≤ 0.5
        let sd = (inside.map { $0 * $0 }.reduce(0, +) / Double(inside.count)).squareRoot()
        XCTAssertGreaterThan(inside.count, 1000)
        XCTAssertEqual(sd, 1.0, accuracy: 0.08)
        try tuner.step(1)
        let after = Array(tuner.model.parameters)
        for i in after.indices where !trained.contains(i) { XCTAssertEqual(after[i], before[i], "parameter \(i) is frozen") }
        XCTAssertGreaterThan(zip(after[trained], before[trained]).filter { $0 != $1 }.count, trained.count / 2, "the trained block moves")
        // The average, which is what a run saves, keeps them too.
        let averaged = try XCTUnwrap(tuner.average).withAverage(in: tuner.model.parameters) { Array(tuner.model.parameters) }
        for i in averaged.indices where !trained.contains(i) { XCTAssertEqual(averaged[i], before[i], "averaged parameter \(i) is frozen") }
    }

    /// Poisson sampling: the batch size varies with mean qN and variance qN(1 − q); an empty batch is
    /// a valid step (noise only) and is accounted like any other.
    func testPoissonSamplingAndEmptyBatches() throws {
        let settings = DPSettings(noiseMultiplier: 1, sampleRate: 0.3, steps: 1)
        let tuner = try tuner(rows: 400, settings: settings)
        let sizes = (0..<300).map { _ in Double(tuner.sample().count) }
        let mean = sizes.reduce(0, +) / 300
        let variance = sizes.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 299
        XCTAssertEqual(mean, 120, accuracy: 3)            // sd of the mean ≈ 0.53
        XCTAssertEqual(variance, 84, accuracy: 25)        // qN(1 − q) = 84; a fixed-size batch would give 0
        let empty = try self.tuner(rows: 20, settings: DPSettings(noiseMultiplier: 1, sampleRate: 1e-9, steps: 3))
        for step in 0..<3 { try empty.step(step) }
        XCTAssertEqual(empty.accountant.steps, 3)
        XCTAssertTrue(empty.model.parameters.allSatisfy(\.isFinite))
    }

    /// The fairness term comes after clipping and noise: with the same rows, seed and noise, the
    /// privatized gradient with the term is the one without it plus the term's own gradient.
    func testFairnessTermIsAddedAfterTheMechanism() throws {
        var settings = DPSettings(noiseMultiplier: 1, sampleRate: 1, steps: 1)
        settings.clipNorm = 0.5
        let plain = try tuner(rows: 6, settings: settings), fair = try tuner(rows: 6, settings: settings, fairnessLambda: 3)
        try plain.privatizedGradient(step: 0)
        try fair.privatizedGradient(step: 0)
        let term = try tuner(rows: 6, settings: settings, fairnessLambda: 3)
        term.model.zeroGradients()
        XCTAssertGreaterThan(try XCTUnwrap(term.fairness).addGradient(to: term.model), 0)
        let expected = zip(plain.model.gradients, term.model.gradients).map { $0 + $1 }
        let difference = zip(fair.model.gradients, expected).map { abs($0 - $1) }.max()!
        XCTAssertLessThan(difference, 1e-6)
        XCTAssertGreaterThan(term.model.gradients.map(abs).max()!, 1e-4, "the term does move the parameters")
    }

    /// Group-balanced sampling: with 100 women and 300 men and B = 40, each group brings 20 rows a
    /// step (rates 0.2 and 0.0667, measured over 400 steps), the noisy sum is divided by the 40
    /// expected rows, and every step is charged at the largest rate.
    func testBalancedSamplingDrawsEachGroupAtItsRate() throws {
        let balance = GroupBalancedSampling(column: "sex", columnIndex: 1, groups: ["Female", "Male"], noisyCounts: [100, 300],
                                            countNoise: 10, expectedBatchSize: 40, maxBoost: 4)
        var settings = DPSettings(noiseMultiplier: 1, sampleRate: balance.maxRate, steps: 2)
        settings.balance = balance
        let tuner = try tuner(rows: 400, settings: settings, females: 100)
        var drawn = [0.0, 0.0]
        for _ in 0..<400 {
            for index in tuner.sample() { drawn[index < 100 ? 0 : 1] += 1 }
        }
        XCTAssertEqual(drawn[0] / 400, 20, accuracy: 0.8)   // sd of the mean ≈ 0.2
        XCTAssertEqual(drawn[1] / 400, 20, accuracy: 0.8)
        for step in 0..<2 { try tuner.step(step) }
        XCTAssertEqual(tuner.accountant.history, [PrivacyEvent(noiseMultiplier: 1, sampleRate: 0.2, steps: 2)])

        // Normalisation by the released counts, not the rows drawn: with σ = 0 and every rate capped at 1
        // all 400 rows are in, and noisy counts 200 + 300 make the divisor 500 where the uniform run's is 400.
        var quiet = DPSettings(noiseMultiplier: 0, sampleRate: 1, steps: 1)
        quiet.clipNorm = 1e-3
        quiet.balance = GroupBalancedSampling(column: "sex", columnIndex: 1, groups: ["Female", "Male"], noisyCounts: [200, 300],
                                              countNoise: 10, expectedBatchSize: 1e4, maxBoost: 1e3)
        var uniform = quiet
        uniform.balance = nil
        let a = try self.tuner(rows: 400, settings: quiet, females: 100), b = try self.tuner(rows: 400, settings: uniform, females: 100)
        XCTAssertEqual(try a.privatizedGradient(step: 0), 400)
        try b.privatizedGradient(step: 0)
        for (x, y) in zip(a.model.gradients, b.model.gradients) { XCTAssertEqual(x, y * 0.8, accuracy: 1e-9 + 1e-5 * abs(y)) }
    }
}
