import Foundation
@testable import TablmCore
import XCTest

final class PLDAccountantTests: XCTestCase {
    /// Google's dp_accounting PLDAccountant (connect-the-dots, same grid) on the fixture's points.
    /// Without the floating-point allowance the two implementations agree to 1e-6 relative; with
    /// it (what users get) tablm is never below dp_accounting and at most 1 % above.
    func testDPAccountingValues() throws {
        for point in try AccountantFixture.load() {
            let bare = PLDAccountant.epsilon(history: point.history, delta: point.delta, discretization: 1e-4, chargeRounding: false)
            XCTAssertEqual(bare, point.pld_epsilon, accuracy: point.pld_epsilon * 1e-6, point.label)
            let charged = PLDAccountant.epsilon(history: point.history, delta: point.delta)
            XCTAssertGreaterThanOrEqual(charged, point.pld_epsilon * (1 - 1e-9), point.label)
            XCTAssertLessThanOrEqual(charged, point.pld_epsilon * 1.01, point.label)
            // PLD is the tighter bound: below RDP's on every point (6.77 against 7.33 on Opacus's pinned case).
            XCTAssertLessThan(charged, point.epsilon, point.label)
        }
    }

    /// With q = 1, T steps at σ are one Gaussian mechanism with σ/√T, whose exact δ(ε) is Balle &
    /// Wang 2018 (Theorem 8): Φ(1/(2s) − εs) − e^ε·Φ(−1/(2s) − εs). The accountant's ε must be at
    /// or above the exact one (it is a bound) and close to it, also where ε passes 709.78, where e^ε
    /// overflows a double (the exact δ is evaluated in log space there; the accountant reported
    /// 709.78 for any larger ε). That case (σ = 0.1, the least the accountants take, 16 steps: ε near
    /// 970) uses a coarser grid, a looser bound, to keep its loss axis short. Below σ = 0.1 the loss
    /// grid overflows: the accountant must then answer no less than the exact ε, never 0.
    func testAnalyticGaussian() {
        /// log Φ(z): erfc while it is representable, else the Mills-ratio series of the lower tail.
        func logPhi(_ z: Double) -> Double {
            if z > -30 { return log(0.5 * erfc(-z / 2.0.squareRoot())) }
            let t2 = z * z
            return -t2 / 2 - log(-z) - 0.5 * log(2 * Double.pi) + log(1 - 1 / t2 + 3 / (t2 * t2) - 15 / (t2 * t2 * t2))
        }
        for (sigma, steps, delta, grid, tolerance) in [(1.0, 1, 1e-5, 1e-4, 5e-3), (4.0, 16, 1e-6, 1e-4, 5e-3), (10.0, 50, 1e-5, 1e-4, 5e-3),
                                                       (0.1, 16, 1e-5, 1e-2, 5e-2)] {
            let s = sigma / Double(steps).squareRoot()
            func exactDelta(_ epsilon: Double) -> Double {
                exp(logPhi(1 / (2 * s) - epsilon * s)) - exp(epsilon + logPhi(-1 / (2 * s) - epsilon * s))
            }
            var low = 0.0, high = 5000.0
            for _ in 0..<200 { let middle = (low + high) / 2; if exactDelta(middle) > delta { low = middle } else { high = middle } }
            let history = [PrivacyEvent(noiseMultiplier: sigma, sampleRate: 1, steps: steps)]
            // The loss grid (both orders: the pair is symmetric at q = 1), a bound at or above the truth.
            let grid = PLDAccountant.composed(history: history, order: .remove, discretization: grid)!.epsilon(delta: delta)
            XCTAssertGreaterThanOrEqual(grid, high - 1e-9, "σ \(sigma) T \(steps)")
            XCTAssertLessThanOrEqual(grid, high + tolerance, "σ \(sigma) T \(steps)")
            // A history of releases alone is answered by the closed form, with no grid.
            let ours = PLDAccountant.epsilon(history: history, delta: delta)
            XCTAssertGreaterThanOrEqual(ours, high - 1e-9 * high, "σ \(sigma) T \(steps)")
            XCTAssertLessThanOrEqual(ours, high + 1e-6 * high, "σ \(sigma) T \(steps)")
            if steps == 16 && sigma == 0.1 {
                // One step at σ/4 is the same mechanism, outside the grid's range (it answered ∞, and
                // 0 before that): the closed form answers it, and RDP stays above it.
                let outside = [PrivacyEvent(noiseMultiplier: 0.025, sampleRate: 1, steps: 1)]
                XCTAssertEqual(PLDAccountant.epsilon(history: outside, delta: delta), ours, accuracy: 1e-9 * ours)
                XCTAssertGreaterThanOrEqual(RDPAccountant.epsilon(history: outside, delta: delta), high)
            }
        }
        // Full-batch DP-SGD over 10⁸ steps (q = 1) is one release at σ/10⁴: answered at once (PLD
        // composed it for a minute and a half) and equal to that release's ε.
        let start = Date()
        let long = PLDAccountant.epsilon(history: [PrivacyEvent(noiseMultiplier: 5_000, sampleRate: 1, steps: 100_000_000)], delta: 1e-5)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1)
        XCTAssertEqual(long, PLDAccountant.epsilon(history: [.gaussianRelease(noiseMultiplier: 0.5)], delta: 1e-5), accuracy: 1e-9 * long)
        // A record no run writes (σ = 0.001: 10¹⁰ points on the default grid) is answered on a grid
        // coarse enough to allocate, in bounded time, and not below the truth: the row is sampled at
        // least once in 10 steps at q = 0.5 with chance 1 − 2⁻¹⁰, and then its loss is near
        // 1/(2σ²) = 5·10⁵, so δ(4·10⁵) is near 1 and the true ε exceeds 4·10⁵.
        let hostile = [PrivacyEvent(noiseMultiplier: 0.001, sampleRate: 0.5, steps: 10)]
        XCTAssertGreaterThan(PLDAccountant.epsilon(history: hostile, delta: 1e-5), 4e5)
        XCTAssertGreaterThan(PrivacyAccountant(method: .pld, history: hostile).epsilon(delta: 1e-5), 4e5)
        // σ = 1e-200: σ² underflows and the loss is infinite; no grid holds it, and the answer is ∞.
        XCTAssertEqual(PLDAccountant.epsilon(history: [PrivacyEvent(noiseMultiplier: 1e-200, sampleRate: 0.5, steps: 10)], delta: 1e-5), .infinity)
    }

    /// Connect-the-dots: the discrete δ(ε) equals the exact one at grid points and lies above it in
    /// between (the chord of a convex function), for both orders of adjacency.
    func testDiscretisationIsExactAtGridPointsAndAboveBetween() {
        for order in [SampledGaussianPair.Order.remove, .add] {
            let pair = SampledGaussianPair(sigma: 0.9, sampleRate: 0.05, order: order)
            let d = 0.01
            let discrete = PrivacyLossDistribution(pair: pair, discretization: d)
            XCTAssertEqual(discrete.masses.reduce(0, +) + discrete.infinityMass, 1, accuracy: 1e-12)
            for k in stride(from: 0, through: 300, by: 7) {
                let grid = Double(k) * d
                XCTAssertEqual(discrete.delta(epsilon: grid), pair.hockeyStick(epsilon: grid), accuracy: 1e-12, "\(order) ε \(grid)")
                let between = grid + 0.37 * d
                XCTAssertGreaterThanOrEqual(discrete.delta(epsilon: between), pair.hockeyStick(epsilon: between) - 1e-15, "\(order) ε \(between)")
            }
        }
    }

    /// The FFT composition against a direct convolution loop on a coarse grid.
    func testFFTCompositionMatchesDirectConvolution() throws {
        let step = PrivacyLossDistribution(pair: SampledGaussianPair(sigma: 1, sampleRate: 0.2, order: .remove), discretization: 0.02)
        let times = 6
        var direct = [1.0]
        for _ in 0..<times {
            var next = [Double](repeating: 0, count: direct.count + step.masses.count - 1)
            for (i, a) in direct.enumerated() where a != 0 { for (j, b) in step.masses.enumerated() { next[i + j] += a * b } }
            direct = next
        }
        let reference = PrivacyLossDistribution(discretization: 0.02, lowerIndex: times * step.lowerIndex, masses: direct,
                                                infinityMass: -expm1(Double(times) * log1p(-step.infinityMass)))
        let composed = try XCTUnwrap(PrivacyLossDistribution.compose([(step, times)]))
        for epsilon in stride(from: 0.0, through: 6, by: 0.25) {
            let exact = reference.delta(epsilon: epsilon), ours = composed.delta(epsilon: epsilon)
            XCTAssertGreaterThanOrEqual(ours, exact - 1e-14, "ε \(epsilon)")
            XCTAssertLessThanOrEqual(ours, exact + 1e-9, "ε \(epsilon)")
        }
    }

    /// Composing segments with different settings equals composing them in one history, and zero
    /// steps spend nothing.
    func testHistoriesAndEdges() {
        let a = PrivacyEvent(noiseMultiplier: 1.2, sampleRate: 0.02, steps: 300)
        let b = PrivacyEvent(noiseMultiplier: 0.9, sampleRate: 0.01, steps: 200)
        let both = PLDAccountant.epsilon(history: [a, b], delta: 1e-5)
        XCTAssertGreaterThan(both, PLDAccountant.epsilon(history: [a], delta: 1e-5))
        XCTAssertGreaterThan(both, PLDAccountant.epsilon(history: [b], delta: 1e-5))
        XCTAssertLessThan(both, RDPAccountant.epsilon(history: [a, b], delta: 1e-5))
        XCTAssertEqual(PLDAccountant.epsilon(history: [.init(noiseMultiplier: 1, sampleRate: 0.1, steps: 0)], delta: 1e-5), 0)
        XCTAssertEqual(PLDAccountant.epsilon(history: [.init(noiseMultiplier: 0, sampleRate: 0.1, steps: 5)], delta: 1e-5), .infinity)
    }

    /// Calibration with the PLD accountant lands at or under the target and within 2 % of it.
    func testCalibration() throws {
        for target in [1.0, 3.0] {
            let sigma = try XCTUnwrap(PrivacyAccountant.calibrate(targetEpsilon: target, delta: 1e-5, sampleRate: 0.01, steps: 1000, method: .pld))
            var check = PrivacyAccountant(method: .pld)
            check.record(noiseMultiplier: sigma, sampleRate: 0.01, steps: 1000)
            let epsilon = check.epsilon(delta: 1e-5)
            XCTAssertLessThanOrEqual(epsilon, target)
            XCTAssertGreaterThan(epsilon, target * 0.98)
        }
    }

    /// The transform's power by binary squaring: exact where the arithmetic is ((1 + i)⁸ = 16,
    /// iⁿ cycles, 2ⁿ), and within the (n − 1)·√5·u·|z|ⁿ its doc comment claims (so within the 4u·n a
    /// point `compose` charges) of zⁿ computed by n − 1 plain products in 64-bit-mantissa Float80,
    /// whose own error is about 2¹¹ times smaller.
    func testTransformPowerBySquaring() {
        XCTAssertTrue(PrivacyLossDistribution.power(1, 1, 8) == (16, 0))
        for n in 1...12 {
            let expected = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][n % 4]
            XCTAssertTrue(PrivacyLossDistribution.power(0, 1, n) == expected, "i^\(n)")
            XCTAssertTrue(PrivacyLossDistribution.power(2, 0, n) == (Double(1 << n), 0), "2^\(n)")
        }
        #if arch(x86_64) && !os(Windows)
        var generator = ChaCha20Generator(insecureSeed: 7)
        let u = Double.ulpOfOne / 2, wide = Double(Float80.ulpOfOne / 2)
        for n in [1, 2, 3, 7, 15, 16, 100, 1_000, 4_099] {
            for _ in 0..<100 {
                let radius = pow(Double.random(in: 0.5...1, using: &generator), 1 / Double(n)), angle = Double.random(in: -Double.pi...Double.pi, using: &generator)
                let (a, b) = (radius * cos(angle), radius * sin(angle))
                var (re, im) = (Float80(a), Float80(b))
                for _ in 1..<n { (re, im) = (re * Float80(a) - im * Float80(b), re * Float80(b) + im * Float80(a)) }
                let (pr, pi) = PrivacyLossDistribution.power(a, b, n)
                let error = Double(((Float80(pr) - re) * (Float80(pr) - re) + (Float80(pi) - im) * (Float80(pi) - im)).squareRoot())
                let magnitude = Double((re * re + im * im).squareRoot())
                let claimed = (Double(n - 1) * 5.0.squareRoot() * u * (1 + 1e-6) + Double(n) * 4 * wide) * magnitude
                XCTAssertLessThanOrEqual(error, claimed, "n = \(n), z = \(a) + \(b)i")
                XCTAssertLessThanOrEqual(error, 4 * u * Double(n) * magnitude, "n = \(n): within compose's charge")
            }
        }
        #endif
    }

    /// 10⁸ steps of σ = 0.1 at q = 0.5, values `privacy epsilon settings` accepts: the composed
    /// grid's ends overflowed an Int and trapped. Now PLD says it cannot hold it and the accountant
    /// answers with RDP's bound (ε in the billions: no guarantee), in seconds.
    func testACompositionTooLongForTheGridFallsBackInsteadOfTrapping() {
        var accountant = PrivacyAccountant(method: .pld)
        accountant.record(noiseMultiplier: 0.1, sampleRate: 0.5, steps: 100_000_000)
        let epsilon = accountant.epsilon(delta: 1e-5)
        XCTAssertTrue(epsilon.isFinite && epsilon > 1e6, "\(epsilon)")
        XCTAssertEqual(epsilon, RDPAccountant.epsilon(history: accountant.history, delta: 1e-5), accuracy: 1e-6 * epsilon)
    }
}
