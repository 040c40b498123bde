@testable import TablmCore
import XCTest

final class RowSamplerTests: XCTestCase {
    private func sampler() throws -> RowSampler {
        let schema = Schema(columns: [.categorical("a", ["x", "y"])], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 8, width: 8, layers: 1, heads: 2))
        return RowSampler(model: model, tokenizer: tokenizer, serializer: RowSerializer(schema: schema))
    }

    /// Frequencies of 40,000 draws match softmax(logits / T): chi-square with 3 degrees of freedom
    /// below 16.27 (p = 0.001), at two temperatures.
    func testDrawsFollowTheTemperedSoftmax() throws {
        let sampler = try sampler()
        let logits: [Float] = [1, 0, -1, 2]
        for temperature in [1.0, 0.5] {
            var settings = SamplingSettings()
            settings.temperature = temperature
            var generator = SplitMix64(seed: 3)
            var scratch = [Float](repeating: 0, count: 4)
            var counts = [0, 0, 0, 0]
            let draws = 40_000
            for _ in 0..<draws {
                counts[Int(logits.withUnsafeBufferPointer { sampler.draw(logits: $0, allowed: nil, settings: settings, scratch: &scratch, generator: &generator) })] += 1
            }
            let weights = logits.map { exp(Double($0) / temperature) }
            let total = weights.reduce(0, +)
            let chiSquare = zip(counts, weights).reduce(0.0) { sum, pair in
                let expected = Double(draws) * pair.1 / total
                return sum + pow(Double(pair.0) - expected, 2) / expected
            }
            XCTAssertLessThan(chiSquare, 16.27, "temperature \(temperature): \(counts)")
        }
    }

    func testTopKKeepsOnlyTheMostLikely() throws {
        let sampler = try sampler()
        var settings = SamplingSettings()
        settings.topK = 2
        var generator = SplitMix64(seed: 1)
        var scratch = [Float](repeating: 0, count: 5)
        let logits: [Float] = [0.5, 3, -1, 2.9, 0]
        let drawn = Set((0..<2000).map { _ in logits.withUnsafeBufferPointer { sampler.draw(logits: $0, allowed: nil, settings: settings, scratch: &scratch, generator: &generator) } })
        XCTAssertEqual(drawn, [1, 3])
    }

    func testUntrainedModelRowsAreCountedNotCrashed() throws {
        var settings = SamplingSettings()
        settings.batchSize = 7
        let result = try sampler().sample(count: 20, settings: settings)
        XCTAssertEqual(result.rows.count + result.invalid, 20)
    }

    /// Rows handed out round by round (what `generate` writes as it goes) are the rows `sample`
    /// returns, in the same order, with the same counts, on one core or two.
    func testStreamedRowsAreTheReturnedRows() throws {
        let sampler = try sampler()
        var settings = SamplingSettings()
        settings.batchSize = 5
        settings.seed = 11
        let whole = sampler.sample(count: 37, settings: settings, workers: 1)
        for workers in [1, 2] {
            var streamed: [Row] = [], rounds = 0
            let result = sampler.sample(count: 37, settings: settings, workers: workers, emit: { rows in
                streamed += rows
                rounds += 1
            })
            XCTAssertEqual(streamed, whole.rows)
            XCTAssertTrue(result.rows.isEmpty)
            XCTAssertEqual(result.invalid, whole.invalid)
            XCTAssertEqual(result.tokens, whole.tokens)
            XCTAssertEqual(rounds, 8, "one call per chunk of 5 rows")
        }
    }

    /// With length limits (the bench's pairing) each sequence takes exactly its limit, an early `</s>`
    /// or not, and the tokens counted are their sum; without them the lengths add up to the tokens.
    func testLengthLimitsFixEachSequencesLength() throws {
        var sampler = try sampler()
        var settings = SamplingSettings()
        settings.batchSize = 6
        settings.seed = 5
        let free = sampler.sample(count: 6, settings: settings, workers: 1)
        XCTAssertEqual(free.sequenceLengths.count, 6)
        XCTAssertEqual(free.sequenceLengths.reduce(0, +), free.tokens)
        let limits = [1, 2, 3, 5, 8, 8]
        sampler.lengthLimits = limits
        let limited = sampler.sample(count: 6, settings: settings, workers: 1)
        XCTAssertEqual(limited.sequenceLengths, limits)
        XCTAssertEqual(limited.tokens, 27)
        XCTAssertEqual(limited.rows.count + limited.invalid, 6)
    }
}
