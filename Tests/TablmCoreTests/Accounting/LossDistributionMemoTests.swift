import XCTest
@testable import TablmCore

final class LossDistributionMemoTests: XCTestCase {
    /// A history composed through the memo (twice: the second time every part is held, nothing built) equals the
    /// same history composed from parts built afresh, as the accountant did before the memo: the same
    /// window, masses and mass at +∞, bit for bit, in both orders. The releases at rate 1 are one part,
    /// the release they compose to (1/σ² = 15/12² + 1/6²), last.
    func testHeldPartsComposeAsFreshOnes() throws {
        let history: [PrivacyEvent] = [.gaussianRelease(noiseMultiplier: 12, times: 15), .exponential(epsilon: 0.05, times: 3),
                                       .gaussianRelease(noiseMultiplier: 6), .init(noiseMultiplier: 0.9, sampleRate: 0.008, steps: 100)]
        let parts: [PrivacyEvent] = [.exponential(epsilon: 0.05, times: 3), .init(noiseMultiplier: 0.9, sampleRate: 0.008, steps: 100),
                                     .gaussianRelease(noiseMultiplier: 1 / (15.0 / 144 + 1.0 / 36).squareRoot())]
        let d = 1e-4
        for order in [SampledGaussianPair.Order.remove, .add] {
            let fresh = try XCTUnwrap(PrivacyLossDistribution.compose(parts.map { event in
                switch event {
                case .sampledGaussian(let sigma, let q, let steps):
                    return (PrivacyLossDistribution(pair: SampledGaussianPair(sigma: sigma, sampleRate: q, order: order), discretization: d), steps)
                case .exponential(let epsilon, let times):
                    return (PrivacyLossDistribution(pureEpsilon: epsilon, discretization: d), times)
                }
            }))
            for attempt in 1...2 {
                let builtBefore = LossDistributionMemo.shared.built
                let held = try XCTUnwrap(PLDAccountant.composed(history: history, order: order, discretization: d))
                if attempt == 2 { XCTAssertEqual(LossDistributionMemo.shared.built, builtBefore, "\(order): every part held") }
                XCTAssertEqual(held.lowerIndex, fresh.lowerIndex, "\(order), attempt \(attempt)")
                XCTAssertEqual(held.masses, fresh.masses, "\(order), attempt \(attempt)")
                XCTAssertEqual(held.infinityMass, fresh.infinityMass, "\(order), attempt \(attempt)")
            }
        }
    }

    /// A mechanism's count is not part of its key; each (mechanism, order, grid) is one part, a rate or
    /// a grid of its own another; a part
    /// that would take the memo past its bound empties it first, and one larger than the bound is
    /// built but not held.
    func testPartsAreKeyedByMechanismAndBounded() {
        let d = 0.01
        func points(_ epsilon: Double) -> Int { PrivacyLossDistribution(pureEpsilon: epsilon, discretization: d).masses.count }
        let (a, b, c) = (points(0.5), points(1), points(2))   // 101, 201, 401
        let memo = LossDistributionMemo(largestHeldPoints: a + b + c - 1)
        var builds = 0
        func part(_ epsilon: Double, times: Int = 1, order: SampledGaussianPair.Order = .remove) -> LossDistributionMemo.Part {
            memo.part(mechanism: .exponential(epsilon: epsilon, times: times), order: order, discretization: d) {
                builds += 1
                return PrivacyLossDistribution(pureEpsilon: epsilon, discretization: d)
            }
        }
        let first = part(0.5)
        XCTAssertTrue(memo.held == (1, a) && builds == 1)
        let again = part(0.5, times: 40)
        XCTAssertTrue(memo.held == (1, a) && builds == 1, "the count is the composition's")
        XCTAssertEqual(again.distribution.masses, first.distribution.masses)
        XCTAssertEqual(again.moments.up, first.moments.up)
        _ = part(0.5, order: .add)
        XCTAssertTrue(memo.held == (2, 2 * a) && builds == 2, "each order is its own part")
        _ = part(1)
        XCTAssertTrue(memo.held == (3, 2 * a + b) && builds == 3)
        _ = part(2)   // 2a + b + c passes a + b + c − 1: emptied, then held alone
        XCTAssertTrue(memo.held == (1, c) && builds == 4, "\(memo.held)")
        // The grid and the rate are parts of the key too.
        let wide = LossDistributionMemo(largestHeldPoints: 1 << 20)
        func gaussian(_ q: Double, _ grid: Double) {
            _ = wide.part(mechanism: .init(noiseMultiplier: 2, sampleRate: q, steps: 5), order: .remove, discretization: grid) {
                PrivacyLossDistribution(pair: SampledGaussianPair(sigma: 2, sampleRate: q, order: .remove), discretization: grid)
            }
        }
        gaussian(0.5, 0.01)
        gaussian(0.5, 0.01)
        gaussian(0.5, 0.02)
        gaussian(0.25, 0.01)
        XCTAssertTrue(wide.held.parts == 3 && wide.built == 3, "\(wide.held), \(wide.built)")
        let small = LossDistributionMemo(largestHeldPoints: a - 1)
        _ = small.part(mechanism: .exponential(epsilon: 0.5), order: .remove, discretization: d) { PrivacyLossDistribution(pureEpsilon: 0.5, discretization: d) }
        XCTAssertTrue(small.held == (0, 0), "a part past the bound is not held")
    }
}
