import Foundation
import XCTest
@testable import TablmCore

/// The plan of a private run, from the request and a row count alone.
final class PrivatePlanTests: XCTestCase {
    private let adultSchema = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Examples/adult-public-schema.json").path

    /// The prior's share: all of ε below 1, 0.75 from 1 (and with --noise-multiplier, which has no ε to divide).
    func testThePriorsShareFollowsTheBudget() {
        XCTAssertEqual(TrainingRecipe.priorShare(epsilon: 0.3), 1)
        XCTAssertEqual(TrainingRecipe.priorShare(epsilon: 0.999), 1)
        XCTAssertEqual(TrainingRecipe.priorShare(epsilon: 1), 0.75)
        XCTAssertEqual(TrainingRecipe.priorShare(epsilon: 10), 0.75)
        XCTAssertEqual(TrainingRecipe.priorShare(epsilon: nil), 0.75)
    }

    /// Below ε = 1 the plan is the prior alone: no DP-SGD part, its ρ the whole budget's.
    func testALowBudgetGoesToThePrior() throws {
        let plan = try PrivatePlan(request: request(epsilon: 0.3, prior: true), rows: 32_561)
        XCTAssertEqual(plan.priorShare, 1)
        XCTAssertEqual(plan.steps, 0)
        XCTAssertEqual(plan.parts.map(\.name), ["prior"])
        XCTAssertLessThanOrEqual(plan.parts[0].epsilonSoFar, 0.3 + 1e-9)
    }

    private func request(epsilon: Double, prior: Bool) -> FinetuneRequest {
        var request = FinetuneRequest(data: "unread.csv", schema: adultSchema, output: "unwritten")
        var privacy = PrivacyRequest()
        privacy.epsilon = epsilon
        if !prior { privacy.prior = nil }
        request.privacy = privacy
        return request
    }

    /// Without a prior the plan is DP-SGD alone: the rate is the batch over the rows, and its σ is the
    /// one whose composition over the steps gives the target, as the RDP accountant (independent of the
    /// PLD one the plan uses) bounds from above.
    func testDPSGDAloneSpendsTheTarget() throws {
        let plan = try PrivatePlan(request: request(epsilon: 1, prior: false), rows: 32_561)
        XCTAssertEqual(plan.sampleRate, 256.0 / 32_561, accuracy: 1e-15)
        XCTAssertEqual(plan.steps, 300)
        XCTAssertEqual(plan.parts.map(\.name), ["DP-SGD"])
        let sigma = try XCTUnwrap(plan.noiseMultiplier)
        XCTAssertEqual(plan.parts[0].epsilonSoFar, 1, accuracy: 0.01)
        XCTAssertLessThanOrEqual(plan.parts[0].epsilonSoFar, 1)
        let rdp = RDPAccountant.epsilon(history: [PrivacyEvent(noiseMultiplier: sigma, sampleRate: plan.sampleRate, steps: 300)], delta: 1e-5)
        XCTAssertGreaterThanOrEqual(rdp, plan.parts[0].epsilonSoFar - 1e-9, "RDP is the looser bound")
        XCTAssertLessThan(rdp, 1.6, "RDP is looser by about half at ε = 1 (1.49)")
        XCTAssertEqual(plan.epochs, 300 * 256.0 / 32_561, accuracy: 1e-12)
    }

    /// With the prior: its share of ε as a zCDP ρ, then DP-SGD on the rest; the total is the target.
    func testPriorThenDPSGD() throws {
        let plan = try PrivatePlan(request: request(epsilon: 1, prior: true), rows: 700)
        XCTAssertEqual(plan.priorShare, TrainingRecipe.priorShare(epsilon: 1))
        XCTAssertEqual(plan.priorSteps, TrainingRecipe.priorSteps)
        XCTAssertEqual(plan.steps, TrainingRecipe.privateStepsAfterPrior)
        XCTAssertEqual(plan.parts.map(\.name), ["prior", "DP-SGD"])
        XCTAssertLessThanOrEqual(plan.parts[1].epsilonSoFar, 1)
        XCTAssertEqual(plan.parts[1].epsilonSoFar, 1, accuracy: 0.01)
        // The prior's ρ converts (RDP) to its share of ε: the bound the plan is built on.
        let rho = PrivacyBudgetPlan.rho(epsilon: 0.75, delta: 1e-5)
        XCTAssertEqual(RDPAccountant.epsilon(history: [.gaussianRelease(noiseMultiplier: (1 / (2 * rho)).squareRoot())], delta: 1e-5), 0.75, accuracy: 1e-6)
        XCTAssertLessThanOrEqual(plan.parts[0].epsilonAlone, 0.75 + 1e-9, "PLD is at most the RDP conversion")
        XCTAssertEqual(plan.lines.count, 4)
        XCTAssertTrue(plan.lines[0].hasPrefix("plan for ε = 1, δ = 1e-05, 700 rows"), plan.lines[0])
    }

    /// A budget that cannot be reached is refused, as the run refuses it.
    func testAnUnreachableBudgetIsRefused() {
        XCTAssertThrowsError(try PrivatePlan(request: request(epsilon: 0.001, prior: false), rows: 500)) { error in
            XCTAssertTrue("\(error)".contains("cannot be reached in 300 steps"), "\(error)")
        }
    }
}
