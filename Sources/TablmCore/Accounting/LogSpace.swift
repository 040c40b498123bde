import Foundation

/// Arithmetic on numbers held as their logarithms, for the accountants' sums of tiny and huge terms.
enum LogSpace {
    /// log(e^a + e^b).
    static func add(_ a: Double, _ b: Double) -> Double {
        let (low, high) = (min(a, b), max(a, b))
        if low == -.infinity { return high }
        return high + Foundation.log1p(Foundation.exp(low - high))
    }

    /// log(e^a − e^b) for a ≥ b.
    static func subtract(_ a: Double, _ b: Double) -> Double {
        precondition(a >= b, "log-space subtraction would be negative")
        if b == -.infinity { return a }
        if a == b { return -.infinity }
        return b + Foundation.log(Foundation.expm1(a - b))
    }

    /// log(erfc(x)), accurate where erfc underflows (large x) by the asymptotic series
    /// erfc(x) ≈ e^{-x²} / (x√π) · (1 − 1/(2x²) + 3/(4x⁴) − 15/(8x⁶) + 105/(16x⁸)).
    static func logErfc(_ x: Double) -> Double {
        if x < 20 { return Foundation.log(Foundation.erfc(x)) }
        let inverse = 1 / (x * x)
        let series = 1 - inverse / 2 + 3 * inverse * inverse / 4 - 15 * pow(inverse, 3) / 8 + 105 * pow(inverse, 4) / 16
        return -x * x - Foundation.log(x) - 0.5 * Foundation.log(Double.pi) + Foundation.log(series)
    }

    /// log of the binomial coefficient C(n, k) for integers.
    static func logBinomial(_ n: Int, _ k: Int) -> Double {
        lgamma(Double(n + 1)) - lgamma(Double(k + 1)) - lgamma(Double(n - k + 1))
    }
}
