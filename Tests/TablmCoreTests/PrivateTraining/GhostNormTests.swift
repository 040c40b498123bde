@testable import TablmCore
import XCTest

/// The fused ghost norm against the gradient itself: [A 1]ᵀ B formed explicitly (in double, by plain
/// loops) and its squared Frobenius norm taken, for shapes that leave partial 3×4 tiles and SIMD tails.
final class GhostNormTests: XCTestCase {
    private func explicitSquaredNorm(_ a: [Float], _ ka: Int, _ b: [Float], _ kb: Int, _ t: Int) -> Double {
        var total = 0.0
        for j in 0..<kb {
            var bias = 0.0
            for row in 0..<t { bias += Double(b[row * kb + j]) }
            total += bias * bias
            for i in 0..<ka {
                var weight = 0.0
                for row in 0..<t { weight += Double(a[row * ka + i]) * Double(b[row * kb + j]) }
                total += weight * weight
            }
        }
        return total
    }

    func testEqualsTheNormOfTheExplicitGradient() {
        var generator = SplitMix64(seed: 21)
        for (t, ka, kb) in [(1, 1, 1), (2, 8, 3), (5, 3, 17), (13, 9, 8), (14, 16, 40), (72, 128, 384)] {
            let a = (0..<(t * ka)).map { _ in Float.random(in: -1...1, using: &generator) }
            let b = (0..<(t * kb)).map { _ in Float.random(in: -1...1, using: &generator) }
            let expected = explicitSquaredNorm(a, ka, b, kb, t)
            let fused = GhostNorm.squaredNorm(input: a, inputs: ka, outputGradient: b, outputs: kb, length: t)
            XCTAssertEqual(fused, expected, accuracy: 1e-5 * expected, "T \(t), inputs \(ka), outputs \(kb)")
        }
    }
}
