import Foundation
import XCTest
@testable import TablmCore

final class PrivacyAccountantTests: XCTestCase {
    /// The noise search against a closed form, ε(σ) = c/σ (answer c/target): it lands at or just above
    /// the answer (0.1 % relative), answers the least σ accepted when that already reaches the target
    /// and nil past σ = 8,192, and probes below σ = 1 only down to half the answer or that least σ:
    /// PLD's cost grows as σ shrinks (the old search probed σ = 0.1 first, 5.4 s at q = 0.1 over 8 steps).
    func testTheNoiseSearchFindsTheClosedFormWithoutProbingFarBelowIt() throws {
        let c = 2.0
        for answer in [3.7, 1.0, 0.73, 0.5, 0.23, 0.1004, 1234.5] {
            let target = c / answer
            var probed: [Double] = []
            let sigma = try XCTUnwrap(PrivacyAccountant.smallestNoise(reaching: target) { probed.append($0); return c / $0 }, "answer \(answer)")
            XCTAssertLessThanOrEqual(c / sigma, target, "answer \(answer): σ \(sigma) reaches the target")
            XCTAssertGreaterThanOrEqual(sigma, answer * (1 - 1e-12), "answer \(answer)")
            XCTAssertLessThanOrEqual(sigma, answer * (1 + 1e-3), "answer \(answer): σ \(sigma) is not needlessly noisy")
            XCTAssertGreaterThanOrEqual(probed.min()!, min(1, max(answer / 2, PrivacyAccountant.noiseMultipliers.lowerBound)),
                                        "answer \(answer): probed \(probed)")
        }
        // A target the least σ accepted already reaches: that σ, after probes down to it.
        XCTAssertEqual(PrivacyAccountant.smallestNoise(reaching: c / 0.05) { c / $0 }, PrivacyAccountant.noiseMultipliers.lowerBound)
        // A target no σ up to 8,192 reaches.
        XCTAssertNil(PrivacyAccountant.smallestNoise(reaching: c / 10_000) { c / $0 })
        // An ε that is NaN below σ = 0.6 (no answer there) misses: the least σ that reaches is 0.6.
        let sigma = try XCTUnwrap(PrivacyAccountant.smallestNoise(reaching: c / 0.3) { $0 < 0.6 ? .nan : c / $0 })
        XCTAssertTrue(sigma >= 0.6 && sigma <= 0.6 * (1 + 1e-3), "σ \(sigma)")
    }

    /// Calibration of a case whose answer lies below σ = 0.5 (the search goes down by halves) lands at
    /// the target from below, as the RDP and PLD calibration tests do above σ = 0.5 (RDP here: PLD
    /// at these σ takes seconds an evaluation).
    func testCalibrationBelowOneHalf() throws {
        let sigma = try XCTUnwrap(PrivacyAccountant.calibrate(targetEpsilon: 20, delta: 1e-5, sampleRate: 0.1, steps: 8, method: .rdp))
        XCTAssertLessThan(sigma, 0.5)
        var check = PrivacyAccountant(method: .rdp)
        check.record(noiseMultiplier: sigma, sampleRate: 0.1, steps: 8)
        XCTAssertLessThanOrEqual(check.epsilon(delta: 1e-5), 20)
        var quieter = PrivacyAccountant(method: .rdp)
        quieter.record(noiseMultiplier: sigma * (1 - 2e-3), sampleRate: 0.1, steps: 8)
        XCTAssertGreaterThan(quieter.epsilon(delta: 1e-5), 20, "σ \(sigma) is within 0.2 % of the least that reaches ε = 20")
    }

    /// A count released at σ = 0.1 is (ε, δ)-DP at δ = 1e-5 from ε = 91.817 (the analytic Gaussian
    /// mechanism's exact curve, Balle & Wang 2018, solved by scipy's brentq): PLD answers it from
    /// above within its grid's allowance, and calibration after it refuses a target of 1 at once
    /// (the search took minutes to find no σ).
    func testARecordedReleaseThatPassesTheTargetLeavesNoNoiseToFind() throws {
        let release = [PrivacyEvent.gaussianRelease(noiseMultiplier: 0.1)]
        let spent = PrivacyAccountant(method: .pld, history: release).epsilon(delta: 1e-5)
        XCTAssertGreaterThanOrEqual(spent, 91.817 - 1e-3)
        XCTAssertLessThan(spent, 91.817 * 1.002)
        let started = Date()
        XCTAssertNil(PrivacyAccountant.calibrate(targetEpsilon: 1, delta: 1e-5, sampleRate: 0.01, steps: 1000, method: .pld, prior: release))
        XCTAssertLessThan(Date().timeIntervalSince(started), 10)
    }
}
