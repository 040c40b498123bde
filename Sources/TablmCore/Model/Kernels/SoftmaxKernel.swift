/// Softmax of one row in place, shared by causal attention and the cross-entropy: subtract the
/// maximum, exponentiate, divide by the sum. Single precision runs eight lanes at a time with
/// `VectorExp`; double (the gradient checks) keeps the library's exp.
enum SoftmaxKernel {
    @inline(__always)
    static func normalize<S: ModelScalar>(_ z: UnsafeMutablePointer<S>, count n: Int) {
        if S.self == Float.self {
            return normalize(UnsafeMutableRawPointer(z).assumingMemoryBound(to: Float.self), count: n)
        }
        var maximum = -S.infinity
        for i in 0..<n where z[i] > maximum { maximum = z[i] }
        var sum: S = 0
        for i in 0..<n {
            z[i] = S.exp(z[i] - maximum)
            sum += z[i]
        }
        let inverse = 1 / sum
        for i in 0..<n { z[i] *= inverse }
    }

    static func normalize(_ z: UnsafeMutablePointer<Float>, count n: Int) {
        let whole = n / 8 * 8, rest = n - whole
        var maxima = SIMD8<Float>(repeating: -.infinity)
        for i in stride(from: 0, to: whole, by: 8) { maxima = VectorExp.maximum(maxima, VectorExp.load(z + i)) }
        if rest > 0 { maxima = VectorExp.maximum(maxima, VectorExp.loadPartial(z + whole, count: rest, fill: -.infinity)) }
        let maximum = SIMD8(repeating: maxima.max())
        var sums = SIMD8<Float>()
        for i in stride(from: 0, to: whole, by: 8) {
            let e = VectorExp.exp(VectorExp.load(z + i) - maximum)
            VectorExp.store(e, z + i)
            sums += e
        }
        var sum = sums.sum()
        if rest > 0 {
            let e = VectorExp.exp(VectorExp.loadPartial(z + whole, count: rest, fill: 0) - maximum)
            for i in 0..<rest {
                z[whole + i] = e[i]
                sum += e[i]
            }
        }
        let inverse = 1 / sum
        for i in 0..<n { z[i] *= inverse }
    }
}
