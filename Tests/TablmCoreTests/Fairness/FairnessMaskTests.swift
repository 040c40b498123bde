@testable import TablmCore
import XCTest

final class FairnessMaskTests: XCTestCase {
    /// Two groups, three values; value 2 is taken by group B only, group A never takes it.
    private let conditional = [[0.9, 0.1, 0.0], [0.5, 0.3, 0.2]]
    private let shares = [0.25, 0.75]

    /// pooled = 0.25·P(·|A) + 0.75·P(·|B) = [0.6, 0.25, 0.15]; shifts log(pooled / P(v|g)); B's own
    /// value masked; A's never-taken value left alone.
    func testShiftsAgainstHandComputedValues() {
        let (pooled, shifts) = FairnessMask.shifts(conditional: conditional, groupShares: shares, threshold: 1e-3)
        XCTAssertEqual(pooled[0], 0.6, accuracy: 1e-12)
        XCTAssertEqual(pooled[1], 0.25, accuracy: 1e-12)
        XCTAssertEqual(pooled[2], 0.15, accuracy: 1e-12)
        XCTAssertEqual(shifts[0][0], Float(log(0.6 / 0.9)), accuracy: 1e-6)
        XCTAssertEqual(shifts[0][1], Float(log(0.25 / 0.1)), accuracy: 1e-6)
        XCTAssertEqual(shifts[0][2], 0)
        XCTAssertEqual(shifts[1][0], Float(log(0.6 / 0.5)), accuracy: 1e-6)
        XCTAssertEqual(shifts[1][1], Float(log(0.25 / 0.3)), accuracy: 1e-6)
        XCTAssertEqual(shifts[1][2], -.infinity)
    }

    /// Fully separated groups: masking would leave each nothing it plausibly takes, so nothing is
    /// masked (each keeps its value, shifted toward the pooled share).
    func testNeverMasksEverything() {
        let (_, shifts) = FairnessMask.shifts(conditional: [[1, 0], [0, 1]], groupShares: [0.5, 0.5], threshold: 1e-3)
        XCTAssertEqual(shifts[0], [Float(log(0.5)), 0])
        XCTAssertEqual(shifts[1], [0, Float(log(0.5))])
    }

    /// Drawing with the model's logits log P(v | g) plus the shifts gives, for each group, the pooled
    /// distribution over the values that are not masked: 40,000 draws per group, chi-square with 2
    /// (group A) or 1 (group B) degrees of freedom below the p = 0.001 points 13.82 and 10.83.
    func testShiftedDrawsFollowThePooledDistribution() throws {
        let schema = Schema(columns: [.categorical("a", ["x", "y", "z"])], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 8, width: 8, layers: 1, heads: 2))
        let sampler = RowSampler(model: model, tokenizer: tokenizer, serializer: RowSerializer(schema: schema))
        let (pooled, shifts) = FairnessMask.shifts(conditional: conditional, groupShares: shares, threshold: 1e-3)
        for g in 0..<2 {
            let logits = conditional[g].map { Float(log(max($0, 1e-30))) }
            var generator = SplitMix64(seed: UInt64(g + 1))
            var scratch = [Float](repeating: 0, count: 3)
            var counts = [0, 0, 0]
            let draws = 40_000
            for _ in 0..<draws {
                let token = logits.withUnsafeBufferPointer {
                    sampler.draw(logits: $0, allowed: nil, settings: SamplingSettings(), scratch: &scratch, generator: &generator,
                                 shift: { shifts[g][Int($0)] })
                }
                counts[Int(token)] += 1
            }
            let kept = (0..<3).filter { shifts[g][$0] > -.infinity && conditional[g][$0] > 0 }
            let total = kept.reduce(0.0) { $0 + pooled[$1] }
            let chiSquare = kept.reduce(0.0) { sum, v in
                let expected = Double(draws) * pooled[v] / total
                return sum + pow(Double(counts[v]) - expected, 2) / expected
            }
            XCTAssertLessThan(chiSquare, g == 0 ? 13.82 : 10.83, "group \(g): \(counts)")
            XCTAssertEqual(counts[2], 0, "group \(g) never writes value 2 (A never would, B's is masked)")
        }
    }
}
