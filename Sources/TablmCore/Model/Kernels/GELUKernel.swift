/// GELU with the tanh approximation GPT-2 uses (Hendrycks & Gimpel 2016):
/// 0.5 · x · (1 + tanh(sqrt(2/π) · (x + 0.044715 · x³))).
enum GELUKernel {
    static func forward<S: ModelScalar>(out: UnsafeMutablePointer<S>, input: UnsafePointer<S>, count: Int) {
        let scale = S.sqrt(2 / S.pi)
        for i in 0..<count {
            let x = input[i]
            out[i] = S(0.5) * x * (1 + S.tanh(scale * (x + S(0.044715) * x * x * x)))
        }
    }

    /// dinput = gelu'(x) · dout.
    static func backward<S: ModelScalar>(dinput: UnsafeMutablePointer<S>, input: UnsafePointer<S>, dout: UnsafePointer<S>, count: Int) {
        let scale = S.sqrt(2 / S.pi)
        for i in 0..<count {
            let x = input[i]
            let cube = S(0.044715) * x * x * x
            let tanhValue = S.tanh(scale * (x + cube))
            let sech2 = 1 - tanhValue * tanhValue
            let local = S(0.5) * (1 + tanhValue) + x * S(0.5) * sech2 * scale * (1 + 3 * S(0.044715) * x * x)
            dinput[i] = local * dout[i]
        }
    }
}
