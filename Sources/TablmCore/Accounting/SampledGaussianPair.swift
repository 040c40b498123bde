import Foundation

/// The pair of output distributions (P, Q) of one DP-SGD step for neighbouring tables, in the
/// one-dimensional form that dominates it (Mironov, Talwar & Zhang 2019; Zhu, Dong & Wang 2022):
/// with the row, A = (1 − q)·N(0, σ²) + q·N(1, σ²); without it, B = N(0, σ²).
/// Add-or-remove DP needs both orders: `.remove` is (P, Q) = (A, B), `.add` is (B, A).
///
/// The privacy loss L(x) = log(P(x)/Q(x)) is monotone in x, so every event {L ∈ (a, b]} is an
/// x-interval and its P- and Q-masses are differences of Gaussian tails.
struct SampledGaussianPair {
    enum Order { case remove, add }

    let sigma: Double
    let sampleRate: Double
    let order: Order

    /// log(A(x)/B(x)) = log(1 − q + q·exp((2x − 1) / 2σ²)).
    private func logRatio(_ x: Double) -> Double {
        let exponent = (2 * x - 1) / (2 * sigma * sigma)
        if sampleRate == 1 { return exponent }
        return LogSpace.add(log1p(-sampleRate), log(sampleRate) + exponent)
    }

    /// The x at which log(A/B) = value, or ±∞ outside the range (log(1 − q), ∞).
    private func inverseLogRatio(_ value: Double) -> Double {
        if sampleRate == 1 { return sigma * sigma * value + 0.5 }
        let floor = log1p(-sampleRate)
        if value <= floor { return -.infinity }
        if value == .infinity { return .infinity }
        // e^value − (1 − q) = (1 − q)(e^{value − log(1−q)} − 1), kept in log space for accuracy near the floor.
        return sigma * sigma * (floor + log(expm1(value - floor)) - log(sampleRate)) + 0.5
    }

    /// Privacy loss at x.
    func loss(_ x: Double) -> Double { order == .remove ? logRatio(x) : -logRatio(x) }

    /// The x-interval on which the loss lies in (a, b].
    func interval(lossAbove a: Double, atMost b: Double) -> (lower: Double, upper: Double) {
        switch order {
        case .remove: return (inverseLogRatio(a), inverseLogRatio(b))
        case .add: return (inverseLogRatio(-b), inverseLogRatio(-a))
        }
    }

    /// (P, Q)-masses of the x-interval between `lower` and `upper`.
    func masses(from lower: Double, to upper: Double) -> (p: Double, q: Double) {
        let b = Self.normalMass(from: lower / sigma, to: upper / sigma)
        let a = (1 - sampleRate) * b + sampleRate * Self.normalMass(from: (lower - 1) / sigma, to: (upper - 1) / sigma)
        return order == .remove ? (a, b) : (b, a)
    }

    /// Mass of the standard normal on [a, b], from whichever tail keeps the difference accurate.
    static func normalMass(from a: Double, to b: Double) -> Double {
        guard b > a else { return 0 }
        let scale = 1 / 2.0.squareRoot()
        if b <= 0 { return 0.5 * (erfc(-b * scale) - erfc(-a * scale)) }
        if a >= 0 { return 0.5 * (erfc(a * scale) - erfc(b * scale)) }
        return 1 - 0.5 * erfc(-a * scale) - 0.5 * erfc(b * scale)
    }

    /// The exact hockey-stick divergence δ(ε) = P(L > ε) − e^ε·Q(L > ε): the reference the
    /// discretisation is checked against (and, for q = 1, Balle & Wang 2018's analytic Gaussian).
    func hockeyStick(epsilon: Double) -> Double {
        let (lower, upper) = interval(lossAbove: epsilon, atMost: .infinity)
        let (p, q) = masses(from: lower, to: upper)
        return max(0, p - exp(epsilon) * q)
    }

    /// An x-range outside which P and Q both have mass below e^−50 (z = 9.74 standard deviations).
    var effectiveRange: (lower: Double, upper: Double) {
        let z = 9.74
        return (-z * sigma, 1 + z * sigma)
    }
}
