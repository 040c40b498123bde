import Foundation
import TablmCore
import XCTest

final class DPNoiseLevelTests: XCTestCase {
    func testVerdictsAtTheThresholds() {
        XCTAssertEqual(DPNoiseLevel(noiseMultiplier: 0.93, expectedBatchSize: 256).effectiveNoise, 0.93 / 256, accuracy: 1e-15)
        XCTAssertEqual(DPNoiseLevel(noiseMultiplier: 25.6, expectedBatchSize: 256).verdict, .usable)
        XCTAssertEqual(DPNoiseLevel(noiseMultiplier: 25.7, expectedBatchSize: 256).verdict, .weak)
        XCTAssertEqual(DPNoiseLevel(noiseMultiplier: 256, expectedBatchSize: 256).verdict, .weak)
        XCTAssertEqual(DPNoiseLevel(noiseMultiplier: 257, expectedBatchSize: 256).verdict, .drowned)
    }

    /// The advice's premise: once σ is large, T subsampled Gaussian steps compose like one Gaussian
    /// of σ/(q√T), whose ε is at most about √(2 ln(1/δ)) over its noise; so σ/B is at most about
    /// √(2T ln(1/δ))/(Nε), the same whatever B. Checked against the accountant at two batch sizes:
    /// equal to 2 %, and under the bound by less than half (the accountant's conversion is tighter
    /// than the plain Gaussian tail bound).
    func testEffectiveNoiseFollowsStepsRowsAndEpsilonNotTheBatch() throws {
        let rows = 32_561.0, steps = 300, delta = 1e-5, epsilon = 0.005
        let bound = (2 * Double(steps) * log(1 / delta)).squareRoot() / (rows * epsilon)
        let levels = try [128.0, 512.0].map { batch in
            let sigma = try XCTUnwrap(PrivacyAccountant.calibrate(targetEpsilon: epsilon, delta: delta, sampleRate: batch / rows, steps: steps, method: .rdp))
            return DPNoiseLevel(noiseMultiplier: sigma, expectedBatchSize: batch).effectiveNoise
        }
        XCTAssertEqual(levels[0] / levels[1], 1, accuracy: 0.02, "\(levels)")
        for level in levels {
            XCTAssertLessThanOrEqual(level, bound)
            XCTAssertGreaterThan(level, 0.5 * bound)
        }
    }
}
