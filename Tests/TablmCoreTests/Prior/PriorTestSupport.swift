import Foundation
@testable import TablmCore

/// Chi-square goodness of fit: the statistic of observed counts against expected probabilities, and
/// its 0.999 quantile by Wilson & Hilferty's (1931) cube-root approximation.
enum ChiSquare {
    static func statistic(observed: [Double], probabilities: [Double]) -> (value: Double, degrees: Int) {
        let n = observed.reduce(0, +)
        var value = 0.0, cells = 0
        for (o, p) in zip(observed, probabilities) where p > 0 {
            let e = n * p
            value += (o - e) * (o - e) / e
            cells += 1
        }
        return (value, max(cells - 1, 1))
    }

    static func critical999(degrees k: Int) -> Double {
        let k = Double(k), z = 3.0902
        return k * pow(1 - 2 / (9 * k) + z * (2 / (9 * k)).squareRoot(), 3)
    }
}

/// A table drawn from a known chain A → B → C (domain 3 × 4 × 2), which factorises on the
/// cliques {A, B} and {B, C}.
enum ChainTable {
    static let domain = [3, 4, 2]
    static let pA = [0.5, 0.3, 0.2]
    static let pBgivenA = [[0.7, 0.1, 0.1, 0.1], [0.1, 0.6, 0.2, 0.1], [0.25, 0.25, 0.25, 0.25]]
    static let pCgivenB = [[0.9, 0.1], [0.2, 0.8], [0.5, 0.5], [0.05, 0.95]]

    static func joint(_ a: Int, _ b: Int, _ c: Int) -> Double { pA[a] * pBgivenA[a][b] * pCgivenB[b][c] }

    static func sample(rows: Int, seed: UInt64) -> DiscreteTable {
        var generator = SplitMix64(seed: seed)
        func draw(_ p: [Double]) -> Int32 {
            let u = Double.random(in: 0..<1, using: &generator)
            var running = 0.0
            for (i, x) in p.enumerated() { running += x; if u < running { return Int32(i) } }
            return Int32(p.count - 1)
        }
        var cells: [Int32] = []
        for _ in 0..<rows {
            let a = draw(pA), b = draw(pBgivenA[Int(a)]), c = draw(pCgivenB[Int(b)])
            cells += [a, b, c]
        }
        return DiscreteTable(domain: domain, cells: cells)
    }
}
