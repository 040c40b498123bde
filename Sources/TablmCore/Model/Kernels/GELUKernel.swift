/// GELU with the tanh approximation GPT-2 uses (Hendrycks & Gimpel 2016):
/// 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³))).
/// tanh is the costly part; the forward pass can keep its values for the backward pass.
enum GELUKernel {
    static func forward<S: ModelScalar>(out: UnsafeMutablePointer<S>, input: UnsafePointer<S>, count: Int,
                                        keepTanh: UnsafeMutablePointer<S>? = nil) {
        let scale = S.sqrt(2 / S.pi)
        for i in 0..<count {
            let x = input[i]
            let t = tanh(scale * (x + S(0.044715) * x * x * x))
            keepTanh?[i] = t
            out[i] = S(0.5) * x * (1 + t)
        }
    }

    /// tanh; in single precision as 1 − 2/(1 + e^{2u}), which glibc's expf computes several times
    /// faster than tanhf, to within about 1e-7 absolute (all GELU needs). Double keeps the library tanh.
    @inline(__always)
    static func tanh<S: ModelScalar>(_ u: S) -> S {
        if S.self == Float.self {
            let v = u as! Float
            return (1 - 2 / (1 + Float.exp(2 * v))) as! S
        }
        return S.tanh(u)
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
