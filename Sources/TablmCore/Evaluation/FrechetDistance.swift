/// Fréchet distance between Gaussians fitted to two sets of feature vectors (as FID does for images,
/// Heusel et al. 2017; Dowson & Landau 1982 for the formula):
/// ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁^½ Σ₂ Σ₁^½)^½). Zero for identical moments; it sees the columns'
/// joint spread, which the marginal distances cannot.
public enum FrechetDistance {
    /// Mean and covariance (divided by n) of `rows` × `width` row-major features.
    public static func moments(_ features: [Double], width d: Int) -> (mean: [Double], covariance: [Double]) {
        features.withUnsafeBufferPointer { features in
            moments(count: features.count / max(d, 1), width: d) { i, into in into.update(from: features.baseAddress! + i * d, count: d) }
        }
    }

    /// The same moments of rows encoded one at a time, never as a matrix: a million rows of Adult
    /// would take 0.88 GB as one.
    public static func moments(_ rows: [Row], encoder: FeatureEncoder) -> (mean: [Double], covariance: [Double]) {
        moments(count: rows.count, width: encoder.width) { i, into in encoder.encode(rows[i], into: into) }
    }

    /// Two passes (mean, then centred products), each row written into a buffer of `width` by `row`.
    static func moments(count n: Int, width d: Int, row: (Int, UnsafeMutablePointer<Double>) -> Void) -> (mean: [Double], covariance: [Double]) {
        let buffer = UnsafeMutablePointer<Double>.allocate(capacity: max(d, 1))
        defer { buffer.deallocate() }
        var mean = [Double](repeating: 0, count: d)
        for i in 0..<n {
            row(i, buffer)
            for j in 0..<d { mean[j] += buffer[j] }
        }
        for j in 0..<d { mean[j] /= Double(max(n, 1)) }
        var covariance = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            row(i, buffer)
            for j in 0..<d { centred[j] = buffer[j] - mean[j] }
            for j in 0..<d where centred[j] != 0 {
                let cj = centred[j]
                for k in j..<d { covariance[j * d + k] += cj * centred[k] }
            }
        }
        for j in 0..<d {
            for k in j..<d {
                covariance[j * d + k] /= Double(max(n, 1))
                covariance[k * d + j] = covariance[j * d + k]
            }
        }
        return (mean, covariance)
    }

    public static func between(mean1: [Double], covariance1: [Double], mean2: [Double], covariance2: [Double]) -> Double {
        let d = mean1.count
        let meanTerm = zip(mean1, mean2).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let root1 = SymmetricEigen(covariance1, size: d).applying { max($0, 0).squareRoot() }
        // M = Σ₁^½ Σ₂ Σ₁^½ is symmetric positive semi-definite; Tr M^½ = Σ √λᵢ(M).
        var product = [Double](repeating: 0, count: d * d), middle = [Double](repeating: 0, count: d * d)
        for i in 0..<d { for k in 0..<d where root1[i * d + k] != 0 { for j in 0..<d { product[i * d + j] += root1[i * d + k] * covariance2[k * d + j] } } }
        for i in 0..<d { for k in 0..<d where product[i * d + k] != 0 { for j in 0..<d { middle[i * d + j] += product[i * d + k] * root1[k * d + j] } } }
        for i in 0..<d { for j in (i + 1)..<max(i + 1, d) { middle[i * d + j] = (middle[i * d + j] + middle[j * d + i]) / 2; middle[j * d + i] = middle[i * d + j] } }
        let traceRoot = SymmetricEigen(middle, size: d).values.reduce(0) { $0 + max($1, 0).squareRoot() }
        let traces = (0..<d).reduce(0) { $0 + covariance1[$1 * d + $1] + covariance2[$1 * d + $1] }
        return max(0, meanTerm + traces - 2 * traceRoot)
    }

    public static func between(_ a: [Double], _ b: [Double], width: Int) -> Double {
        let first = moments(a, width: width), second = moments(b, width: width)
        return between(mean1: first.mean, covariance1: first.covariance, mean2: second.mean, covariance2: second.covariance)
    }

    /// Between two sets of rows, encoded by `encoder` (see `moments(_:encoder:)`).
    public static func between(_ a: [Row], _ b: [Row], encoder: FeatureEncoder) -> Double {
        let first = moments(a, encoder: encoder), second = moments(b, encoder: encoder)
        return between(mean1: first.mean, covariance1: first.covariance, mean2: second.mean, covariance2: second.covariance)
    }
}
