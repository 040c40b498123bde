import Foundation
import TablmCore
import XCTest

final class RDPAccountantTests: XCTestCase {
    /// Opacus's pinned value (opacus/tests/accountants_test.py, test_rdp_accountant): σ = 1.5,
    /// q = 0.04, 2,250 steps, δ = 1e-5 → ε = 7.32911117143, with Opacus's orders.
    func testOpacusPinnedValue() {
        let history = [PrivacyEvent(noiseMultiplier: 1.5, sampleRate: 0.04, steps: 2250)]
        let epsilon = RDPAccountant.epsilon(history: history, delta: 1e-5, orders: RDPAccountant.opacusOrders)
        XCTAssertEqual(epsilon, 7.32911117143, accuracy: 7.32911117143 * 1e-6)
    }

    /// Points from Google's dp_accounting RdpAccountant at the same (integer) orders
    /// (Tests/Fixtures/make_accountant_values.py wrote them).
    func testDPAccountingValues() throws {
        let points = try AccountantFixture.load()
        XCTAssertGreaterThanOrEqual(points.count, 6)
        for point in points {
            let ours = RDPAccountant.epsilon(history: point.history, delta: point.delta, orders: AccountantFixture.orders)
            XCTAssertEqual(ours, point.epsilon, accuracy: point.epsilon * 1e-6, point.label)
        }
    }

    /// Closed forms: with q = 1 the mechanism is the Gaussian, RDP α/(2σ²); the integer-order sum at
    /// α = 2 is log(1 − q + q·e^{1/σ²}).
    func testClosedForms() {
        XCTAssertEqual(RDPAccountant.rdp(sampleRate: 1, noiseMultiplier: 2, order: 8), 1.0, accuracy: 1e-12)
        let q = 0.1, sigma = 1.3
        XCTAssertEqual(RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: 2), log(1 + q * q * (exp(1 / (sigma * sigma)) - 1)), accuracy: 1e-12)
        XCTAssertEqual(RDPAccountant.rdp(sampleRate: 0, noiseMultiplier: sigma, order: 5), 0)
        // Fractional orders sit between their integer neighbours (RDP is non-decreasing in α).
        let low = RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: 3)
        let middle = RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: 3.5)
        let high = RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: 4)
        XCTAssertLessThanOrEqual(low, middle)
        XCTAssertLessThanOrEqual(middle, high)
    }

    func testAccountantComposesSegmentsAndCalibrates() throws {
        var accountant = PrivacyAccountant()
        accountant.record(noiseMultiplier: 1.5, sampleRate: 0.04, steps: 1000)
        accountant.record(noiseMultiplier: 1.5, sampleRate: 0.04, steps: 1250)
        XCTAssertEqual(accountant.history.count, 1)
        XCTAssertEqual(accountant.steps, 2250)
        accountant.record(noiseMultiplier: 2, sampleRate: 0.01, steps: 10)
        XCTAssertEqual(accountant.history.count, 2)

        for target in [1.0, 3.0, 8.0] {
            let sigma = try XCTUnwrap(PrivacyAccountant.calibrate(targetEpsilon: target, delta: 1e-5, sampleRate: 0.01, steps: 3000, method: .rdp))
            var check = PrivacyAccountant()
            check.record(noiseMultiplier: sigma, sampleRate: 0.01, steps: 3000)
            let reached = check.epsilon(delta: 1e-5)
            XCTAssertLessThanOrEqual(reached, target, "calibrated σ \(sigma) gives ε ≤ target")
            XCTAssertGreaterThan(reached, target * 0.98, "and is not needlessly noisy")
        }
    }
}
