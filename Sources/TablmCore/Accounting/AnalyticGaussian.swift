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

    /// The least ε with δ(ε) ≤ `delta`, found by bisection on the decreasing δ(ε), in log space (an ε
    /// above 709.78, where e^ε overflows, is answered too). Kept a bound, never below the truth: it is
    /// solved at δ·(1 − 10⁻⁶), which absorbs the evaluation's rounding and the tail series' (10⁻¹¹
    /// relative), a difference lost to rounding counts as 10⁻¹⁵ of its larger term, not as 0, and the
    /// answer is the bracket's upper end, raised by 10⁻⁹ of itself.
    static func epsilon(noiseMultiplier sigma: Double, delta: Double) -> Double {
        guard delta > 0 else { return .infinity }
        guard delta < 1 else { return 0 }
        let mu = 1 / sigma
        let target = log(delta) + log1p(-1e-6)
        func logDelta(_ epsilon: Double) -> Double {
            let a = logPhi(mu / 2 - epsilon / mu)
            let b = epsilon + logPhi(-mu / 2 - epsilon / mu)
            return b >= a - 1e-15 ? a + log(1e-15) : a + log(-expm1(b - a))
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
        return high * (1 + 1e-9)
    }

    /// log Φ(z) for the standard normal's distribution function, accurate far into the lower tail.
    static func logPhi(_ z: Double) -> Double { log(0.5) + LogSpace.logErfc(-z / 2.0.squareRoot()) }
}
