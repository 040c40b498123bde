import TablmCore
import XCTest

final class GEMMTests: XCTestCase {
    /// OpenBLAS against the plain Swift reference, all four transpose cases, padded leading
    /// dimensions, and beta = 0 / 1.
    func testBLASMatchesReference() {
        var generator = SplitMix64(seed: 1)
        for (transposeA, transposeB) in [(false, false), (true, false), (false, true), (true, true)] {
            for beta: Float in [0, 1] {
                let (m, n, k) = (7, 5, 9)
                let lda = (transposeA ? m : k) + 3, ldb = (transposeB ? k : n) + 2, ldc = n + 1
                let a = (0..<((transposeA ? k : m) * lda)).map { _ in Float.random(in: -1...1, using: &generator) }
                let b = (0..<((transposeB ? n : k) * ldb)).map { _ in Float.random(in: -1...1, using: &generator) }
                var blas = (0..<(m * ldc)).map { _ in Float.random(in: -1...1, using: &generator) }
                var reference = blas
                Float.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                           b: b, ldb: ldb, beta: beta, c: &blas, ldc: ldc)
                ReferenceGEMM.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                                   b: b, ldb: ldb, beta: beta, c: &reference, ldc: ldc)
                for i in blas.indices {
                    XCTAssertEqual(blas[i], reference[i], accuracy: 1e-5, "transA \(transposeA) transB \(transposeB) beta \(beta)")
                }
            }
        }
    }
}
