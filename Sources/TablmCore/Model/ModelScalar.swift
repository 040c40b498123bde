import CBLAS
import RealModule

/// The number type a model computes in: Float for real work, Double for the gradient check (whose
/// finite differences need the precision). Matrix products go to OpenBLAS (sgemm / dgemm); the
/// ghost-norm kernel works on SIMD vectors of it (hence SIMDScalar, and the Codable its vectors need).
public protocol ModelScalar: BinaryFloatingPoint, Real, SIMDScalar, Codable, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// C = alpha · op(A) · op(B) + beta · C, row-major, as CBLAS's gemm.
    static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int, beta: Self,
                     c: UnsafeMutablePointer<Self>, ldc: Int)
}

extension Float: ModelScalar {
    @inline(__always)
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                            a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float,
                            c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

extension Double: ModelScalar {
    @inline(__always)
    public static func gemm(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Double,
                            a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int, beta: Double,
                            c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}

/// The same product as `ModelScalar.gemm`, in plain Swift: the reference the BLAS path is tested against.
public enum ReferenceGEMM {
    public static func gemm<S: ModelScalar>(transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: S,
                                            a: UnsafePointer<S>, lda: Int, b: UnsafePointer<S>, ldb: Int, beta: S,
                                            c: UnsafeMutablePointer<S>, ldc: Int) {
        for i in 0..<m {
            for j in 0..<n {
                var sum: S = 0
                for p in 0..<k {
                    let left = transposeA ? a[p * lda + i] : a[i * lda + p]
                    let right = transposeB ? b[j * ldb + p] : b[p * ldb + j]
                    sum += left * right
                }
                c[i * ldc + j] = alpha * sum + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
    }
}

/// Which OpenBLAS kernel set is running. Debian's build does not recognise recent CPUs and falls back
/// to slow generic kernels unless OPENBLAS_CORETYPE is set before the process starts.
public enum BLASInfo {
    /// OpenBLAS's own thread count. Training splits batches over cores itself (`ModelWorkers`) and
    /// runs each GEMM on one thread: at this model's small shapes a second OpenBLAS thread mostly
    /// spins in sched_yield (measured: 2 threads 98 ms/step, 1 thread 104 ms).
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }

    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }
}
