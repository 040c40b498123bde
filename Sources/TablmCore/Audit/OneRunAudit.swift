import Foundation

/// The statistics of an empirical privacy audit in one training run (Steinke, Nasr & Jagielski 2023,
/// "Privacy auditing with one (1) training run", NeurIPS): m canaries, each put in the training
/// data with probability 1/2; the auditor guesses "in" for the r₊ highest membership scores and
/// "out" for the r₋ lowest, abstaining on the rest; v of the r = r₊ + r₋ guesses are right.
///
/// Under (ε, δ)-DP, P[v or more right] is at most the p-value of their Theorem 3.3 / Appendix D:
/// β + 2mδ·α, where β = P[Binomial(r, q) ≥ v], q = e^ε/(1 + e^ε) (ε-DP randomized response's
/// accuracy) and α = max over i of P[v − i ≤ Binomial(r, q) < v] / i. The ε lower bound at
/// confidence 1 − p is the largest ε whose p-value is still below p: a mechanism that claimed less
/// would have produced this many right guesses with probability under p.
public enum OneRunAudit {
    /// P-value of `correct` right guesses out of `guesses` among `canaries`, if the training were (ε, δ)-DP.
    public static func pValue(canaries m: Int, guesses r: Int, correct v: Int, epsilon: Double, delta: Double) -> Double {
        precondition(0 <= v && v <= r && r <= m && epsilon >= 0 && (0...1).contains(delta))
        let logQ = -Foundation.log1p(Foundation.exp(-epsilon)), log1mQ = -Foundation.log1p(Foundation.exp(epsilon))
        func logPMF(_ k: Int) -> Double { LogSpace.logBinomial(r, k) + Double(k) * logQ + Double(r - k) * log1mQ }
        var logBeta = -Double.infinity
        for k in stride(from: r, through: v, by: -1) { logBeta = LogSpace.add(logBeta, logPMF(k)) }
        var alpha = 0.0, below = 0.0
        if delta > 0 {
            for i in stride(from: 1, through: v, by: 1) {
                below += Foundation.exp(logPMF(v - i))
                alpha = max(alpha, below / Double(i))
            }
        }
        return min(Foundation.exp(logBeta) + alpha * delta * 2 * Double(m), 1)
    }

    /// The largest ε that `correct` right guesses refute at `confidence` (0 when they refute none).
    public static func epsilonLowerBound(canaries m: Int, guesses r: Int, correct v: Int, delta: Double,
                                         confidence: Double = 0.95) -> Double {
        let p = 1 - confidence
        guard r > 0, pValue(canaries: m, guesses: r, correct: v, epsilon: 0, delta: delta) < p else { return 0 }
        var low = 0.0, high = 1.0
        while pValue(canaries: m, guesses: r, correct: v, epsilon: high, delta: delta) < p, high < 100 { high *= 2 }
        for _ in 0..<50 {
            let middle = (low + high) / 2
            if pValue(canaries: m, guesses: r, correct: v, epsilon: middle, delta: delta) < p { low = middle } else { high = middle }
        }
        return low
    }

    /// One guess count's outcome (as `audit.json` writes it).
    public struct Outcome: Sendable, Equatable, Encodable {
        public var guesses: Int
        public var correct: Int
        public var epsilonLowerBound: Double

        enum CodingKeys: String, CodingKey { case guesses, correct, epsilonLowerBound = "epsilon_lower_bound" }
    }

    /// Guesses "in" for the `g/2` highest scores and "out" for the `g/2` lowest, for every `g` of
    /// `guessCounts` fixed before looking, and bounds ε for each at confidence 1 − p/|counts|
    /// (Bonferroni over the counts), so that the best of them is a valid bound at `confidence`.
    public static func audit(scores: [Double], included: [Bool], guessCounts: [Int], delta: Double,
                             confidence: Double = 0.95) -> [Outcome] {
        precondition(scores.count == included.count && !guessCounts.isEmpty)
        let m = scores.count
        let ranked = scores.indices.sorted { scores[$0] > scores[$1] }
        let perCount = 1 - (1 - confidence) / Double(guessCounts.count)
        return guessCounts.map { count in
            let half = min(count / 2, m / 2)
            let top = ranked.prefix(half), bottom = ranked.suffix(half)
            let correct = top.filter { included[$0] }.count + bottom.filter { !included[$0] }.count
            return Outcome(guesses: 2 * half, correct: correct,
                           epsilonLowerBound: epsilonLowerBound(canaries: m, guesses: 2 * half, correct: correct, delta: delta, confidence: perCount))
        }
    }

    /// The default guess counts for m canaries: 2 %, 5 %, 10 %, 20 % and 50 % of them (at least 2).
    public static func defaultGuessCounts(canaries m: Int) -> [Int] {
        Array(Set([0.02, 0.05, 0.1, 0.2, 0.5].map { max(2, Int((Double(m) * $0).rounded())) })).sorted()
    }
}
