import Foundation

/// The exact (ε, δ) of the Gaussian mechanism (Balle & Wang 2018, "Improving the Gaussian mechanism
/// for differential privacy", Theorem 8): with sensitivity 1 and noise σ, μ = 1/σ and
/// δ(ε) = Φ(μ/2 − ε/μ) − e^ε·Φ(−μ/2 − ε/μ). T releases at σ_i are one at 1/√(Σ T_i/σ_i²) (Dong,
/// Roth & Su 2022, "Gaussian differential privacy", Cor. 3.3), so a history of releases at rate 1
/// needs no loss grid: full-batch DP-SGD over 10⁵ steps took PLD 44 s to calibrate.
enum AnalyticGaussian {
    /// The noise of the one Gaussian release that `events` (all at rate 1) compose to.
    static func composedNoise(_ events: [PrivacyEvent]) -> Double {
        var precision = 0.0
        for case .sampledGaussian(let sigma, _, let times) in events { precision += Double(times) / (sigma * sigma) }
        return 1 / precision.squareRoot()
    }

    /// The least ε with δ(ε) ≤ `delta`, found by bisection on the decreasing δ(ε) and rounded up (to
    /// 1e-12 relative): the bound is never below the truth. δ is evaluated in log space, so an ε
    /// above 709.78 (where e^ε overflows) is answered too.
    static func epsilon(noiseMultiplier sigma: Double, delta: Double) -> Double {
        let mu = 1 / sigma
        let target = log(delta)
        func logDelta(_ epsilon: Double) -> Double {
            let a = logPhi(mu / 2 - epsilon / mu)
            let b = epsilon + logPhi(-mu / 2 - epsilon / mu)
            return b >= a ? -.infinity : a + log(-expm1(b - a))
        }
        if logDelta(0) <= target { return 0 }
        var low = 0.0, high = 1.0
        while logDelta(high) > target {
            low = high
            high *= 2
            if !high.isFinite { return .infinity }
        }
        while (high - low) > 1e-12 * high {
            let middle = (low + high) / 2
            if logDelta(middle) > target { low = middle } else { high = middle }
        }
        return high
    }

    /// log Φ(z) for the standard normal's distribution function, accurate far into the lower tail.
    static func logPhi(_ z: Double) -> Double { log(0.5) + LogSpace.logErfc(-z / 2.0.squareRoot()) }
}
