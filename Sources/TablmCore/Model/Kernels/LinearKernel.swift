/// y = x · W + b with W stored [in, out] (Hugging Face's Conv1D layout), through BLAS.
enum LinearKernel {
    static func forward<S: ModelScalar>(out: UnsafeMutablePointer<S>, input: UnsafePointer<S>, weight: UnsafePointer<S>,
                                        bias: UnsafePointer<S>?, rows: Int, inputs: Int, outputs: Int) {
        if let bias {
            for row in 0..<rows { (out + row * outputs).update(from: bias, count: outputs) }
        }
        S.gemm(transposeA: false, transposeB: false, m: rows, n: outputs, k: inputs, alpha: 1,
               a: input, lda: inputs, b: weight, ldb: outputs, beta: bias == nil ? 0 : 1, c: out, ldc: outputs)
    }

    /// Writes (or adds, if `accumulate`) dy · W^T to dx.
    static func backwardInput<S: ModelScalar>(dinput: UnsafeMutablePointer<S>, dout: UnsafePointer<S>, weight: UnsafePointer<S>,
                                              rows: Int, inputs: Int, outputs: Int, accumulate: Bool = false) {
        S.gemm(transposeA: false, transposeB: true, m: rows, n: inputs, k: outputs, alpha: 1,
               a: dout, lda: outputs, b: weight, ldb: outputs, beta: accumulate ? 1 : 0, c: dinput, ldc: inputs)
    }

    /// Adds x^T · dy to dW and the column sums of dy to db.
    static func backwardParameters<S: ModelScalar>(dweight: UnsafeMutablePointer<S>, dbias: UnsafeMutablePointer<S>, dout: UnsafePointer<S>,
                                                   input: UnsafePointer<S>, rows: Int, inputs: Int, outputs: Int) {
        S.gemm(transposeA: true, transposeB: false, m: inputs, n: outputs, k: rows, alpha: 1,
               a: input, lda: inputs, b: dout, ldb: outputs, beta: 1, c: dweight, ldc: outputs)
        for row in 0..<rows {
            let dy = dout + row * outputs
            for j in 0..<outputs { dbias[j] += dy[j] }
        }
    }
}
