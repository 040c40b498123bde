@testable import TablmCore
import Foundation
import XCTest

/// The ziggurat's tables against their defining equations, and its draws against the normal law
/// itself (Φ from erfc), so that a wrong constant, a mis-shifted bit field or a broken tail shows up.
final class NormalZigguratTests: XCTestCase {
    private func density(_ x: Double) -> Double { exp(-0.5 * x * x) }

    /// Every layer has the same area V, the top one included (a wrong R leaves the top layer too
    /// big or too small and skews every draw); V matches the value solved in mpmath.
    func testLayersHaveEqualAreaAndCloseAtZero() {
        let zig = NormalZiggurat(), x = zig.edges, v = NormalZiggurat.layerArea
        XCTAssertEqual(v, 0.004928673233974655, accuracy: 1e-15)
        XCTAssertEqual(x[1], NormalZiggurat.tailStart)
        XCTAssertEqual(x[NormalZiggurat.layers], 0)
        XCTAssertEqual(x[0] * density(x[1]), v, accuracy: 1e-15, "bottom rectangle")
        for i in 1..<(NormalZiggurat.layers - 1) {
            XCTAssertLessThan(x[i + 1], x[i])
            XCTAssertEqual(x[i] * (density(x[i + 1]) - density(x[i])), v, accuracy: 1e-12 * v, "layer \(i)")
        }
        let top = x[NormalZiggurat.layers - 1]
        XCTAssertEqual(top * (1 - density(top)), v, accuracy: 1e-9 * v, "the top layer closes at the mode")
    }

    private func draws(_ count: Int, seed: UInt64) -> [Double] {
        var generator = ChaCha20Generator(insecureSeed: seed)
        return NormalZiggurat().withTables { tables in (0..<count).map { _ in tables.sample { generator.next() } } }
    }

    private func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

    /// Kolmogorov–Smirnov distance of `sorted` to the CDF.
    private func ksDistance(_ sorted: [Double], _ cdf: (Double) -> Double) -> Double {
        let n = Double(sorted.count)
        return sorted.enumerated().reduce(0.0) { worst, item in
            let f = cdf(item.element)
            return max(worst, abs(f - Double(item.offset) / n), abs(Double(item.offset + 1) / n - f))
        }
    }

    /// 10⁶ draws: moments, the KS distance (1 % critical value 1.63/√n), and the share beyond R and
    /// beyond 4.5 (drawn by the tail sampler and the wedges, not the fast path).
    func testDrawsFollowTheStandardNormal() {
        let n = 1_000_000
        let values = draws(n, seed: 11)
        let mean = values.reduce(0, +) / Double(n)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n)
        let kurtosis = values.reduce(0) { $0 + pow($1 - mean, 4) } / Double(n) / (variance * variance)
        XCTAssertEqual(mean, 0, accuracy: 0.005)
        XCTAssertEqual(variance, 1, accuracy: 0.005)
        XCTAssertEqual(kurtosis, 3, accuracy: 0.03)
        XCTAssertLessThan(ksDistance(values.sorted(), phi), 1.63 / Double(n).squareRoot())
        for cut in [1.0, NormalZiggurat.tailStart, 4.5] {
            let expected = Double(n) * erfc(cut / 2.0.squareRoot())
            let seen = Double(values.filter { abs($0) > cut }.count)
            XCTAssertEqual(seen, expected, accuracy: 5 * expected.squareRoot(), "beyond \(cut)")
        }
        XCTAssertEqual(Double(values.filter { $0 > 0 }.count) / Double(n), 0.5, accuracy: 0.002, "symmetric")
    }

    /// The tail sampler alone is Z given Z > R, with the sign asked for.
    func testTailIsTheConditionalNormal() {
        var generator = ChaCha20Generator(insecureSeed: 5)
        let r = NormalZiggurat.tailStart
        let values = (0..<100_000).map { _ in NormalZiggurat.tail(negative: false) { generator.next() } }.sorted()
        XCTAssertGreaterThan(values[0], r)
        let tailMass = erfc(r / 2.0.squareRoot())
        let conditional = { (x: Double) in 1 - erfc(x / 2.0.squareRoot()) / tailMass }
        XCTAssertLessThan(ksDistance(values, conditional), 1.63 / 100_000.0.squareRoot())
        XCTAssertLessThan(NormalZiggurat.tail(negative: true) { generator.next() }, -r)
    }
}
