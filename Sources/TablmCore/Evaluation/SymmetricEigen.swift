/// Eigenvalues and eigenvectors of a real symmetric matrix by the cyclic Jacobi method (Golub & Van
/// Loan, "Matrix Computations", 4th ed., §8.5): slow for large matrices but simple, accurate to
/// working precision, and enough for the ~100-column feature covariances of the evaluation.
public struct SymmetricEigen {
    /// Eigenvalues, unsorted.
    public let values: [Double]
    /// Eigenvectors as columns of an n × n row-major matrix.
    public let vectors: [Double]
    public let size: Int

    public init(_ matrix: [Double], size n: Int, tolerance: Double = 1e-12, maxSweeps: Int = 60) {
        precondition(matrix.count == n * n)
        var a = matrix
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        let scale = max(a.reduce(0) { $0 + $1 * $1 }, .leastNormalMagnitude)
        for _ in 0..<maxSweeps {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<max(p + 1, n) { off += 2 * a[p * n + q] * a[p * n + q] } }
            if off <= tolerance * tolerance * scale { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where a[p * n + q] != 0 {
                    // The rotation that zeroes a[p][q] (the smaller of the two angles, for stability).
                    let theta = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {   // columns p and q
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq
                        a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {   // rows p and q
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk
                        a[q * n + k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k * n + p], vkq = v[k * n + q]
                        v[k * n + p] = c * vkp - s * vkq
                        v[k * n + q] = s * vkp + c * vkq
                    }
                }
            }
        }
        values = (0..<n).map { a[$0 * n + $0] }
        vectors = v
        size = n
    }

    /// V · f(Λ) · Vᵀ: a function of the matrix (its square root for f = √, clamped at 0).
    public func applying(_ f: (Double) -> Double) -> [Double] {
        let n = size
        let mapped = values.map(f)
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                var sum = 0.0
                for k in 0..<n { sum += vectors[i * n + k] * mapped[k] * vectors[j * n + k] }
                result[i * n + j] = sum
                result[j * n + i] = sum
            }
        }
        return result
    }
}
