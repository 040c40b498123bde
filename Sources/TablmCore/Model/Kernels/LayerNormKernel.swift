/// LayerNorm over the last dimension (Ba, Kiros & Hinton 2016): y = (x − mean) · rstd · w + b with
/// rstd = 1 / sqrt(var + eps), the population variance. Mean and rstd are saved for backward.
enum LayerNormKernel {
    static func forward<S: ModelScalar>(out: UnsafeMutablePointer<S>, mean: UnsafeMutablePointer<S>, rstd: UnsafeMutablePointer<S>,
                                        input: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>,
                                        rows: Int, channels c: Int, epsilon: S) {
        for row in 0..<rows {
            let x = input + row * c
            var sum: S = 0
            for i in 0..<c { sum += x[i] }
            let m = sum / S(c)
            var variance: S = 0
            for i in 0..<c {
                let d = x[i] - m
                variance += d * d
            }
            let r = 1 / S.sqrt(variance / S(c) + epsilon)
            let y = out + row * c
            for i in 0..<c { y[i] = (x[i] - m) * r * weight[i] + bias[i] }
            mean[row] = m
            rstd[row] = r
        }
    }

    /// Adds to dinput: dx = rstd · (dn − mean(dn) − n · mean(dn · n)), n the normalised x, dn = w ⊙ dy.
    static func backwardInput<S: ModelScalar>(dinput: UnsafeMutablePointer<S>, dout: UnsafePointer<S>, input: UnsafePointer<S>,
                                              weight: UnsafePointer<S>, mean: UnsafePointer<S>, rstd: UnsafePointer<S>,
                                              rows: Int, channels c: Int) {
        for row in 0..<rows {
            let x = input + row * c, dy = dout + row * c, dx = dinput + row * c
            let m = mean[row], r = rstd[row]
            var dnormMean: S = 0
            var dnormNormMean: S = 0
            for i in 0..<c {
                let norm = (x[i] - m) * r
                let dnorm = weight[i] * dy[i]
                dnormMean += dnorm
                dnormNormMean += dnorm * norm
            }
            dnormMean /= S(c)
            dnormNormMean /= S(c)
            for i in 0..<c {
                let norm = (x[i] - m) * r
                dx[i] += (weight[i] * dy[i] - dnormMean - norm * dnormNormMean) * r
            }
        }
    }

    /// Adds Σ_rows dy ⊙ n to dweight and Σ_rows dy to dbias.
    static func backwardParameters<S: ModelScalar>(dweight: UnsafeMutablePointer<S>, dbias: UnsafeMutablePointer<S>, dout: UnsafePointer<S>,
                                                   input: UnsafePointer<S>, mean: UnsafePointer<S>, rstd: UnsafePointer<S>,
                                                   rows: Int, channels c: Int) {
        for row in 0..<rows {
            let x = input + row * c, dy = dout + row * c
            let m = mean[row], r = rstd[row]
            for i in 0..<c {
                dbias[i] += dy[i]
                dweight[i] += (x[i] - m) * r * dy[i]
            }
        }
    }
}
