import Foundation
import TablmCore
import XCTest

/// The Opacus route's privacy arithmetic: export's σ lands the composed ε at the target, and import
/// recomputes the same composition from the record and refuses one that claims less.
final class OpacusResultTests: XCTestCase {
    private let earlier = [PrivacyEvent.gaussianRelease(noiseMultiplier: 86, times: 15),
                           PrivacyEvent(noiseMultiplier: 0.9, sampleRate: 0.008, steps: 100)]

    func testExportCalibratesTheRemainderAndImportRecomputesIt() throws {
        let plan = try OpacusBundle.plan(earlier: earlier, prior: nil, schemaCost: nil, targetEpsilon: 2, delta: 1e-5, method: .pld,
                                         rows: 32_000, expectedBatchSize: 256, steps: 50, clipNorm: 1)
        XCTAssertEqual(plan.sampleRate, 0.008)
        XCTAssertEqual(plan.priorEvents, earlier)
        var accountant = PrivacyAccountant(method: .pld, history: earlier)
        accountant.record(PrivacyEvent(noiseMultiplier: plan.noiseMultiplier, sampleRate: plan.sampleRate, steps: 50))
        let composed = accountant.epsilon(delta: 1e-5)
        XCTAssertLessThanOrEqual(composed, 2)
        XCTAssertGreaterThan(composed, 1.98, "σ is the smallest that stays within the target")

        let result = OpacusResult(dp: plan, columnOrders: nil, opacusEpsilon: 1.9)
        XCTAssertNil(result.problem)
        let record = try result.privacyRecord(method: .pld)
        XCTAssertEqual(record.epsilon, composed, accuracy: 1e-12)
        XCTAssertEqual(record.events, earlier + [PrivacyEvent(noiseMultiplier: plan.noiseMultiplier, sampleRate: 0.008, steps: 50)])

        var greedy = result
        greedy.dp.steps = 80
        XCTAssertThrowsError(try greedy.privacyRecord(method: .pld)) { error in
            XCTAssertTrue("\(error)".contains("the record claims ε = 2.000000, but its events compose to"), "\(error)")
        }
        var broken = result
        broken.dp.noiseMultiplier = 0
        XCTAssertEqual(broken.problem, "dp.noise_multiplier 0.0 is not from 0.1 to 1e6")
        broken.dp.noiseMultiplier = 1e-300   // trapped the accountant before it was refused here
        XCTAssertEqual(broken.problem, "dp.noise_multiplier 1e-300 is not from 0.1 to 1e6")
        broken = result
        broken.dp.steps = 1_000_000_000_000_000
        XCTAssertEqual(broken.problem, "dp.steps 1000000000000000 is not from 1 to \(PrivacyAccountant.maximumSteps)")
        broken = result
        broken.dp.sampleRate = 1.5
        XCTAssertEqual(broken.problem, "dp.sample_rate 1.5 is not in (0, 1]")
        // Taken into the imported checkpoint's training record, which every later command refused.
        broken = result
        broken.dp.expectedBatchSize = -1
        XCTAssertEqual(broken.problem, "dp.expected_batch_size -1 is not from 1 to 1e9")
        broken = result
        broken.dp.accountant = "xyz"
        XCTAssertEqual(broken.problem, "dp.accountant 'xyz' is not 'rdp' or 'pld'")
    }

    func testAnUnreachableTargetIsRefused() {
        XCTAssertThrowsError(try OpacusBundle.plan(earlier: earlier, prior: nil, schemaCost: nil, targetEpsilon: 0.5, delta: 1e-5, method: .pld,
                                                   rows: 32_000, expectedBatchSize: 256, steps: 50, clipNorm: 1)) { error in
            XCTAssertTrue("\(error)".contains("after the checkpoint's own events"), "\(error)")
        }
    }
}
