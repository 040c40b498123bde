import Foundation

/// Rényi-DP accounting of the Poisson-subsampled Gaussian mechanism (Mironov, Talwar & Zhang 2019,
/// "Rényi Differential Privacy of the Sampled Gaussian Mechanism", Section 3.3), composed over steps
/// by adding RDP (Mironov 2017), and converted to (ε, δ)-DP by Balle et al. 2020 ("Hypothesis
/// testing interpretations and Rényi differential privacy", Theorem 21), the minimum over orders.
public enum RDPAccountant {
    /// The orders Opacus uses by default: 1.1, 1.2, …, 10.9, then 12 … 63.
    public static let opacusOrders: [Double] = (1...99).map { 1 + Double($0) / 10 } + (12...63).map(Double.init)
    /// tablm's orders: Opacus's plus larger ones, which tighten small-ε regimes (the minimum over more
    /// orders is still a valid bound).
    public static let defaultOrders: [Double] = opacusOrders + [64, 72, 80, 96, 112, 128, 160, 192, 256, 384, 512, 1024]

    /// RDP at order `alpha` of one step with sampling rate q and noise multiplier σ.
    public static func rdp(sampleRate q: Double, noiseMultiplier sigma: Double, order alpha: Double) -> Double {
        if q == 0 { return 0 }
        if sigma == 0 { return .infinity }
        if q == 1 { return alpha / (2 * sigma * sigma) }
        if alpha.isInfinite { return .infinity }
        let logA = alpha == alpha.rounded() ? logAInteger(q: q, sigma: sigma, alpha: Int(alpha))
                                            : logAFractional(q: q, sigma: sigma, alpha: alpha)
        return logA / (alpha - 1)
    }

    /// RDP at order α of one run of an event's mechanism: the sampled Gaussian's, or α·ε²/8 for the
    /// exponential mechanism (ε²/8-zCDP, Cesar & Rogers 2021).
    public static func rdp(of event: PrivacyEvent, order alpha: Double) -> Double {
        switch event {
        case .sampledGaussian(let sigma, let q, _): return rdp(sampleRate: q, noiseMultiplier: sigma, order: alpha)
        case .exponential: return alpha * (event.rho ?? .infinity)
        }
    }

    /// log A_α = log Σ_k C(α,k) (1−q)^{α−k} q^k exp((k² − k) / (2σ²)).
    static func logAInteger(q: Double, sigma: Double, alpha: Int) -> Double {
        var logA = -Double.infinity
        for k in 0...alpha {
            let term = LogSpace.logBinomial(alpha, k) + Double(k) * log(q) + Double(alpha - k) * log(1 - q)
                + Double(k * k - k) / (2 * sigma * sigma)
            logA = LogSpace.add(logA, term)
        }
        return logA
    }

    static let maximumSeriesTerms = 1000

    /// The series for fractional α: A_α split at z₀ = σ² log(1/q − 1) + 1/2 into two sums over the
    /// generalised binomial coefficients, each term weighted by a Gaussian tail, until terms fall below e^−30.
    static func logAFractional(q: Double, sigma: Double, alpha: Double) -> Double {
        var logA0 = -Double.infinity, logA1 = -Double.infinity
        let z0 = sigma * sigma * log(1 / q - 1) + 0.5
        var coefficient = 1.0   // C(α, i), built up term by term; its sign alternates past α
        var i = 0
        while i < maximumSeriesTerms {
            let j = alpha - Double(i)
            let logCoefficient = log(abs(coefficient))
            let logT0 = logCoefficient + Double(i) * log(q) + j * log(1 - q)
            let logT1 = logCoefficient + j * log(q) + Double(i) * log(1 - q)
            let logE0 = log(0.5) + LogSpace.logErfc((Double(i) - z0) / (2.0.squareRoot() * sigma))
            let logE1 = log(0.5) + LogSpace.logErfc((z0 - j) / (2.0.squareRoot() * sigma))
            let logS0 = logT0 + Double(i * i - i) / (2 * sigma * sigma) + logE0
            let logS1 = logT1 + (j * j - j) / (2 * sigma * sigma) + logE1
            if coefficient > 0 {
                logA0 = LogSpace.add(logA0, logS0)
                logA1 = LogSpace.add(logA1, logS1)
            } else {
                logA0 = LogSpace.subtract(logA0, logS0)
                logA1 = LogSpace.subtract(logA1, logS1)
            }
            if max(logS0, logS1) < -30 { return LogSpace.add(logA0, logA1) }
            coefficient *= (alpha - Double(i)) / Double(i + 1)
            i += 1
        }
        // No convergence (q near 1/2 can do this): this order gives no bound; it is left out.
        return .infinity
    }

    /// ε for δ from RDP values at `orders`, with the order that gave it.
    public static func epsilon(rdp: [Double], orders: [Double], delta: Double) -> (epsilon: Double, order: Double) {
        var best = (epsilon: Double.infinity, order: Double.nan)
        for (value, alpha) in zip(rdp, orders) {
            let epsilon = value - (log(delta) + log(alpha)) / (alpha - 1) + log((alpha - 1) / alpha)
            if epsilon.isFinite && epsilon < best.epsilon { best = (epsilon, alpha) }
        }
        return (max(best.epsilon, 0), best.order)
    }

    /// ε of a history of events, at δ.
    public static func epsilon(history: [PrivacyEvent], delta: Double, orders: [Double] = defaultOrders) -> Double {
        let totals = orders.map { alpha in
            history.reduce(0.0) { $0 + Double($1.steps) * rdp(of: $1, order: alpha) }
        }
        return epsilon(rdp: totals, orders: orders, delta: delta).epsilon
    }
}
