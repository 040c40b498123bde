import Foundation

/// The exponential mechanism (McSherry & Talwar 2007): picks candidate i with probability
/// ∝ exp(ε·qᵢ / 2Δ) for qualities q of sensitivity Δ. It is ε-DP and ε-bounded-range, hence
/// ε²/8-zCDP (Cesar & Rogers 2021); the accountant records it as `PrivacyEvent.exponential(epsilon:)`.
public enum ExponentialMechanism {
    /// The selection probabilities (the closed form tests check frequencies against).
    public static func probabilities(qualities: [Double], epsilon: Double, sensitivity: Double) -> [Double] {
        precondition(!qualities.isEmpty && sensitivity > 0 && epsilon >= 0)
        let scores = qualities.map { epsilon * $0 / (2 * sensitivity) }
        let top = scores.max()!
        let weights = scores.map { exp($0 - top) }
        let sum = weights.reduce(0, +)
        return weights.map { $0 / sum }
    }

    /// One draw, from a uniform of `generator` (a CSPRNG outside tests).
    public static func select<G: RandomNumberGenerator>(qualities: [Double], epsilon: Double, sensitivity: Double,
                                                        using generator: inout G) -> Int {
        let p = probabilities(qualities: qualities, epsilon: epsilon, sensitivity: sensitivity)
        let u = Double.random(in: 0..<1, using: &generator)
        var running = 0.0
        for (i, probability) in p.enumerated() {
            running += probability
            if u < running { return i }
        }
        return p.lastIndex { $0 > 0 }!
    }
}
