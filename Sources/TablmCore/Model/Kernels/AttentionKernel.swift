/// Causal multi-head self-attention (Vaswani et al. 2017) over qkv laid out [B, T, 3C] (q, k, v
/// each [C] = heads × head size), with the T×T products per (batch, head) through BLAS.
enum AttentionKernel {
    /// Writes out [B, T, C] and the attention probabilities att [B, H, T, T] (zero above the diagonal).
    static func forward<S: ModelScalar>(out: UnsafeMutablePointer<S>, att: UnsafeMutablePointer<S>, qkv: UnsafePointer<S>,
                                        batch: Int, length t: Int, channels c: Int, heads: Int) {
        let hs = c / heads
        let scale = 1 / S.sqrt(S(hs))
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * t * 3 * c + h * hs
                let k = q + c, v = q + 2 * c
                let p = att + (b * heads + h) * t * t
                S.gemm(transposeA: false, transposeB: true, m: t, n: t, k: hs, alpha: scale,
                       a: q, lda: 3 * c, b: k, ldb: 3 * c, beta: 0, c: p, ldc: t)
                for i in 0..<t {
                    let row = p + i * t
                    SoftmaxKernel.normalize(row, count: i + 1)
                    (row + i + 1).update(repeating: 0, count: t - i - 1)
                }
                S.gemm(transposeA: false, transposeB: false, m: t, n: hs, k: t, alpha: 1,
                       a: p, lda: t, b: v, ldb: 3 * c, beta: 0, c: out + b * t * c + h * hs, ldc: c)
            }
        }
    }

    /// Writes dqkv [B, T, 3C] from dout [B, T, C]; `scratch` holds 2·T·T values.
    static func backward<S: ModelScalar>(dqkv: UnsafeMutablePointer<S>, dout: UnsafePointer<S>, qkv: UnsafePointer<S>, att: UnsafePointer<S>,
                                         scratch: UnsafeMutablePointer<S>, batch: Int, length t: Int, channels c: Int, heads: Int) {
        let hs = c / heads
        let scale = 1 / S.sqrt(S(hs))
        let dp = scratch, ds = scratch + t * t
        for b in 0..<batch {
            for h in 0..<heads {
                let q = qkv + b * t * 3 * c + h * hs
                let k = q + c, v = q + 2 * c
                let dq = dqkv + b * t * 3 * c + h * hs
                let dk = dq + c, dv = dq + 2 * c
                let p = att + (b * heads + h) * t * t
                let dy = dout + b * t * c + h * hs
                // dP = dY · V^T ; dV = P^T · dY
                S.gemm(transposeA: false, transposeB: true, m: t, n: t, k: hs, alpha: 1,
                       a: dy, lda: c, b: v, ldb: 3 * c, beta: 0, c: dp, ldc: t)
                S.gemm(transposeA: true, transposeB: false, m: t, n: hs, k: t, alpha: 1,
                       a: p, lda: t, b: dy, ldb: c, beta: 0, c: dv, ldc: 3 * c)
                // Softmax backward: dS_ij = P_ij (dP_ij − Σ_k P_ik dP_ik), zero above the diagonal.
                for i in 0..<t {
                    var dot: S = 0
                    for j in 0...i { dot += p[i * t + j] * dp[i * t + j] }
                    for j in 0...i { ds[i * t + j] = p[i * t + j] * (dp[i * t + j] - dot) }
                    for j in (i + 1)..<t { ds[i * t + j] = 0 }
                }
                // dQ = scale · dS · K ; dK = scale · dS^T · Q
                S.gemm(transposeA: false, transposeB: false, m: t, n: hs, k: t, alpha: scale,
                       a: ds, lda: t, b: k, ldb: 3 * c, beta: 0, c: dq, ldc: 3 * c)
                S.gemm(transposeA: true, transposeB: false, m: t, n: hs, k: t, alpha: scale,
                       a: ds, lda: t, b: q, ldb: 3 * c, beta: 0, c: dk, ldc: 3 * c)
            }
        }
    }
}
