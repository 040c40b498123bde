import XCTest
@testable import TablmCore

final class PrivacyBudgetPlanTests: XCTestCase {
    /// A marginal prior's Gaussian releases and exponential-mechanism selections, then DP-SGD, against
    /// Google's dp_accounting for the same events (Tests/Fixtures/make_accountant_values.py): RDP to 1e-6
    /// (selections as ε²/8-zCDP), PLD never below and at most 1 % above (selections as pure ε-DP).
    func testComposedPriorAgainstDPAccounting() throws {
        let points = try AccountantFixture.loadPrior()
        XCTAssertEqual(points.count, 3)
        for point in points {
            let rdp = RDPAccountant.epsilon(history: point.history, delta: point.delta, orders: AccountantFixture.orders)
            XCTAssertEqual(rdp, point.epsilon, accuracy: point.epsilon * 1e-6)
            let pld = PLDAccountant.epsilon(history: point.history, delta: point.delta)
            XCTAssertGreaterThanOrEqual(pld, point.pld_epsilon * (1 - 1e-9))
            XCTAssertLessThanOrEqual(pld, point.pld_epsilon * 1.01)
            // The accountant reports the smaller of two valid bounds.
            let reported = PrivacyAccountant(method: .pld, history: point.history).epsilon(delta: point.delta)
            XCTAssertEqual(reported, min(pld, RDPAccountant.epsilon(history: point.history, delta: point.delta)), accuracy: 1e-12)
        }
    }

    /// ρ for a share of ε converts back to that ε; DP-SGD calibrated after the prior fills the rest to the
    /// target; the record lists every event and reproduces the total.
    func testPlanComposesTheComponentsToTheTarget() throws {
        var plan = try PrivacyBudgetPlan(method: .pld, targetEpsilon: 1, delta: 1e-5, schemaCost: nil)
        let rho = try XCTUnwrap(plan.rho(share: 0.5))
        XCTAssertEqual(RDPAccountant.epsilon(history: [.gaussianRelease(noiseMultiplier: (1 / (2 * rho)).squareRoot())], delta: 1e-5), 0.5, accuracy: 1e-9)
        // A prior that spends ρ: 15 releases and 10 selection/measurement rounds.
        let sigma = (Double(15 + 10) / (2 * 0.9 * rho)).squareRoot(), selection = (8 * 0.1 * rho / 10).squareRoot()
        plan.record([.gaussianRelease(noiseMultiplier: sigma, times: 15)] + (0..<10).flatMap { _ in
            [PrivacyEvent.exponential(epsilon: selection), .gaussianRelease(noiseMultiplier: sigma)] })
        let priorOnly = plan.epsilon()
        XCTAssertLessThanOrEqual(priorOnly, 0.5 + 1e-9)
        let noise = try XCTUnwrap(plan.calibrateTraining(sampleRate: 0.008, steps: 300))
        let total = plan.epsilon(adding: [.init(noiseMultiplier: noise, sampleRate: 0.008, steps: 300)])
        XCTAssertLessThanOrEqual(total, 1)
        XCTAssertGreaterThan(total, 0.99)
        var accountant = plan.accountant
        accountant.record(noiseMultiplier: noise, sampleRate: 0.008, steps: 300)
        let record = plan.privacyRecord(accountant: accountant, noiseMultiplier: noise, sampleRate: 0.008, clipNorm: 1)
        XCTAssertEqual(record.epsilon, total, accuracy: 1e-12)
        let decoded = try JSONDecoder().decode(PrivacyRecord.self, from: JSONEncoder().encode(record))
        XCTAssertEqual(decoded.events, record.events)
        XCTAssertEqual(try PrivacyBudgetPlan(record: decoded, steps: 300).epsilon(), total, accuracy: 1e-12)
    }

    func testRefusesASchemaThatUsedTheBudget() {
        XCTAssertThrowsError(try PrivacyBudgetPlan(method: .rdp, targetEpsilon: 1, delta: 1e-5, schemaCost: PrivacyCost(epsilon: 1, delta: 0)))
        XCTAssertThrowsError(try PrivacyBudgetPlan(method: .rdp, targetEpsilon: 1, delta: 1e-5, schemaCost: PrivacyCost(epsilon: 0.1, delta: 1e-5)))
    }
}
