import XCTest
@testable import TablmCore

final class ExponentialMechanismTests: XCTestCase {
    /// The closed form p_i ∝ exp(ε q_i / 2Δ), and draws whose frequencies match it (chi-square, 0.1 %).
    func testSelectionFrequenciesMatchTheClosedForm() {
        let qualities = [0.0, 10, 25, -5, 30]
        let epsilon = 0.2, sensitivity = 2.0
        let p = ExponentialMechanism.probabilities(qualities: qualities, epsilon: epsilon, sensitivity: sensitivity)
        let weights = qualities.map { exp(epsilon * $0 / (2 * sensitivity)) }
        for (x, w) in zip(p, weights) { XCTAssertEqual(x, w / weights.reduce(0, +), accuracy: 1e-12) }
        var generator = ChaCha20Generator(insecureSeed: 5)
        var counts = [Double](repeating: 0, count: qualities.count)
        for _ in 0..<100_000 {
            counts[ExponentialMechanism.select(qualities: qualities, epsilon: epsilon, sensitivity: sensitivity, using: &generator)] += 1
        }
        let (value, degrees) = ChiSquare.statistic(observed: counts, probabilities: p)
        XCTAssertLessThan(value, ChiSquare.critical999(degrees: degrees))
        // ε = 0 is a uniform choice; a huge ε picks the best.
        XCTAssertEqual(ExponentialMechanism.probabilities(qualities: qualities, epsilon: 0, sensitivity: 1), [Double](repeating: 0.2, count: 5))
        XCTAssertEqual(ExponentialMechanism.probabilities(qualities: qualities, epsilon: 1e4, sensitivity: 1)[4], 1, accuracy: 1e-12)
    }
}
