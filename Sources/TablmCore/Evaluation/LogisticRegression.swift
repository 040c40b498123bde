import RealModule

/// L2-regularised logistic regression, fitted by Newton's method (iteratively reweighted least
/// squares) on the mean log-loss: a small, dependable classifier for train-on-synthetic,
/// test-on-real utility.
public struct LogisticRegression: Sendable {
    public private(set) var weights: [Double]
    public private(set) var bias: Double

    /// Fits on `features` [n × d] (Double, or Float for a million rows) and labels; `l2` penalises
    /// the weights (not the bias).
    public init<F: BinaryFloatingPoint>(features: [F], labels: [Bool], width d: Int, l2: Double = 1e-3, iterations: Int = 25) {
        let n = labels.count
        var w = [Double](repeating: 0, count: d + 1)   // last entry: bias
        var active: [(Int, Double)] = []
        active.reserveCapacity(d + 1)
        for _ in 0..<iterations {
            var gradient = [Double](repeating: 0, count: d + 1)
            var hessian = [Double](repeating: 0, count: (d + 1) * (d + 1))
            for i in 0..<n {
                // The row's non-zero features (one-hot rows have few), then the bias.
                active.removeAll(keepingCapacity: true)
                for j in 0..<d where features[i * d + j] != 0 { active.append((j, Double(features[i * d + j]))) }
                var z = w[d]
                for (j, x) in active { z += w[j] * x }
                let p = 1 / (1 + Double.exp(-z))
                let error = p - (labels[i] ? 1 : 0)
                let curvature = max(p * (1 - p), 1e-12)
                active.append((d, 1))
                for (j, xj) in active {
                    gradient[j] += error * xj / Double(n)
                    for (k, xk) in active { hessian[j * (d + 1) + k] += curvature * xj * xk / Double(n) }
                }
            }
            for j in 0..<d {
                gradient[j] += l2 * w[j]
                hessian[j * (d + 1) + j] += l2
            }
            hessian[d * (d + 1) + d] += 1e-9
            guard let step = Self.solve(hessian, gradient, size: d + 1) else { break }
            var largest = 0.0
            for j in 0...d {
                w[j] -= step[j]
                largest = max(largest, abs(step[j]))
            }
            if largest < 1e-8 { break }
        }
        weights = Array(w[0..<d])
        bias = w[d]
    }

    public func probability<F: BinaryFloatingPoint>(_ features: ArraySlice<F>) -> Double {
        var z = bias
        for (j, x) in features.enumerated() where x != 0 { z += weights[j] * Double(x) }
        return 1 / (1 + Double.exp(-z))
    }

    public func probabilities<F: BinaryFloatingPoint>(_ features: [F]) -> [Double] {
        let d = weights.count
        return (0..<(features.count / max(d, 1))).map { probability(features[($0 * d)..<(($0 + 1) * d)]) }
    }

    /// Solves A x = b (A symmetric positive definite) by Gaussian elimination with partial pivoting.
    static func solve(_ a: [Double], _ b: [Double], size n: Int) -> [Double]? {
        var m = a, x = b
        for column in 0..<n {
            var pivot = column
            for row in column..<n where abs(m[row * n + column]) > abs(m[pivot * n + column]) { pivot = row }
            guard abs(m[pivot * n + column]) > 1e-15 else { return nil }
            if pivot != column {
                for k in 0..<n { m.swapAt(column * n + k, pivot * n + k) }
                x.swapAt(column, pivot)
            }
            for row in (column + 1)..<n {
                let factor = m[row * n + column] / m[column * n + column]
                if factor == 0 { continue }
                for k in column..<n { m[row * n + k] -= factor * m[column * n + k] }
                x[row] -= factor * x[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = x[row]
            for k in (row + 1)..<n { sum -= m[row * n + k] * x[k] }
            x[row] = sum / m[row * n + row]
        }
        return x
    }
}
