/// GELU with the tanh approximation GPT-2 uses (Hendrycks & Gimpel 2016):
/// 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³))).
/// tanh is the costly part; the forward pass can keep its values for the backward pass. In single
/// precision tanh(u) = 1 − 2/(1 + e^{2u}) with eight exponentials at a time (`VectorExp`), to within
/// about 1e-7 absolute, all GELU needs; double keeps the library's tanh.
enum GELUKernel {
    static func forward<S: ModelScalar>(out: UnsafeMutablePointer<S>, input: UnsafePointer<S>, count: Int,
                                        keepTanh: UnsafeMutablePointer<S>? = nil) {
        if S.self == Float.self {
            func float(_ pointer: UnsafePointer<S>) -> UnsafeMutablePointer<Float> {
                UnsafeMutableRawPointer(mutating: pointer).assumingMemoryBound(to: Float.self)
            }
            return forward(out: float(out), input: float(input), count: count, keepTanh: keepTanh.map { float($0) })
        }
        let scale = S.sqrt(2 / S.pi)
        for i in 0..<count {
            let x = input[i]
            let t = S.tanh(scale * (x + S(0.044715) * x * x * x))
            keepTanh?[i] = t
            out[i] = S(0.5) * x * (1 + t)
        }
    }

    static func forward(out: UnsafeMutablePointer<Float>, input: UnsafePointer<Float>, count: Int, keepTanh: UnsafeMutablePointer<Float>?) {
        let scale = Float(2 / Double.pi).squareRoot()
        @inline(__always) func gelu(_ x: SIMD8<Float>) -> (tanh: SIMD8<Float>, out: SIMD8<Float>) {
            let t = 1 - 2 / (1 + VectorExp.exp(2 * scale * (x + 0.044715 * x * x * x)))
            return (t, 0.5 * x * (1 + t))
        }
        let whole = count / 8 * 8
        for i in stride(from: 0, to: whole, by: 8) {
            let (t, y) = gelu(VectorExp.load(input + i))
            if let keepTanh { VectorExp.store(t, keepTanh + i) }
            VectorExp.store(y, out + i)
        }
        if whole < count {
            let (t, y) = gelu(VectorExp.loadPartial(input + whole, count: count - whole, fill: 0))
            for i in 0..<(count - whole) {
                keepTanh?[whole + i] = t[i]
                out[whole + i] = y[i]
            }
        }
    }

    /// dinput = gelu'(x) · dout, with the tanh values kept by `forward`.
    static func backward<S: ModelScalar>(dinput: UnsafeMutablePointer<S>, input: UnsafePointer<S>, tanh: UnsafePointer<S>,
                                         dout: UnsafePointer<S>, count: Int) {
        let scale = S.sqrt(2 / S.pi)
        for i in 0..<count {
            let x = input[i], t = tanh[i]
            let local = S(0.5) * (1 + t) + x * S(0.5) * (1 - t * t) * scale * (1 + 3 * S(0.044715) * x * x)
            dinput[i] = local * dout[i]
        }
    }
}
