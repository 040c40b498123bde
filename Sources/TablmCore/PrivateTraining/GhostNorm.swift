/// The squared norm of one example's weight-and-bias gradient of a linear layer, from its input A
/// [T, ka] and output gradient B [T, kb] alone (the ghost norm; Goodfellow 2015, Li et al. 2022):
/// ‖[A 1]ᵀ B‖²_F = ⟨AAᵀ + 11ᵀ, BBᵀ⟩_F = Σ_ij (a_i·a_j + 1)(b_i·b_j).
///
/// One fused pass: the two T×T Gram matrices are never stored. The upper triangle is walked in 3×4
/// tiles; for each, twelve SIMD dot products of A's rows and twelve of B's give the tile of both
/// Grams, which are multiplied and summed at once (off-diagonal entries count twice). DP-SGD calls
/// this for every example and linear layer, about a thousand times a step with T ≈ 70, where
/// OpenBLAS's syrk spends much of its time packing such small matrices. Measured on one AMD EPYC core
/// at T = 72, a block's four linears: two syrk calls each, 182 µs; this kernel, 165 µs (up to
/// 67 GFLOP/s at k = 512, against about 75 for the model's own sgemm shapes).
enum GhostNorm {
    static func squaredNorm<S: ModelScalar>(input a: UnsafePointer<S>, inputs ka: Int,
                                            outputGradient b: UnsafePointer<S>, outputs kb: Int, length t: Int) -> Double {
        var total = 0.0
        for i0 in stride(from: 0, to: t, by: 3) {
            let rows = (min(i0, t - 1), min(i0 + 1, t - 1), min(i0 + 2, t - 1))
            for j0 in stride(from: (i0 / 4) * 4, to: t, by: 4) {
                let columns = (min(j0, t - 1), min(j0 + 1, t - 1), min(j0 + 2, t - 1), min(j0 + 3, t - 1))
                let left = tile(a, ka, rows, columns), right = tile(b, kb, rows, columns)
                var weights = SIMD16<S>(repeating: 2)
                if j0 < i0 + 3 || j0 + 3 >= t || i0 + 2 >= t {   // the tile meets the diagonal or an edge
                    for r in 0..<3 {
                        for c in 0..<4 {
                            let i = i0 + r, j = j0 + c
                            weights[r * 4 + c] = i >= t || j >= t || j < i ? 0 : (j == i ? 1 : 2)
                        }
                    }
                }
                total += Double(((left + 1) * right * weights).sum())
            }
        }
        return total
    }

    /// Lanes 4r + c (r < 3, c < 4): the dot products of rows `rows.r` and `columns.c` of the
    /// row-major matrix m [·, k]; lanes 12–15 are zero.
    @inline(__always)
    private static func tile<S: ModelScalar>(_ m: UnsafePointer<S>, _ k: Int, _ rows: (Int, Int, Int),
                                             _ columns: (Int, Int, Int, Int)) -> SIMD16<S> {
        let r0 = UnsafeRawPointer(m + rows.0 * k), r1 = UnsafeRawPointer(m + rows.1 * k), r2 = UnsafeRawPointer(m + rows.2 * k)
        let c0 = UnsafeRawPointer(m + columns.0 * k), c1 = UnsafeRawPointer(m + columns.1 * k)
        let c2 = UnsafeRawPointer(m + columns.2 * k), c3 = UnsafeRawPointer(m + columns.3 * k)
        var s00 = SIMD8<S>(), s01 = SIMD8<S>(), s02 = SIMD8<S>(), s03 = SIMD8<S>()
        var s10 = SIMD8<S>(), s11 = SIMD8<S>(), s12 = SIMD8<S>(), s13 = SIMD8<S>()
        var s20 = SIMD8<S>(), s21 = SIMD8<S>(), s22 = SIMD8<S>(), s23 = SIMD8<S>()
        let width = 8 * MemoryLayout<S>.stride, end = (k / 8) * width
        var offset = 0
        while offset < end {
            let x0 = r0.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            let x1 = r1.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            let x2 = r2.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            var y = c0.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            s00.addProduct(x0, y); s10.addProduct(x1, y); s20.addProduct(x2, y)
            y = c1.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            s01.addProduct(x0, y); s11.addProduct(x1, y); s21.addProduct(x2, y)
            y = c2.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            s02.addProduct(x0, y); s12.addProduct(x1, y); s22.addProduct(x2, y)
            y = c3.loadUnaligned(fromByteOffset: offset, as: SIMD8<S>.self)
            s03.addProduct(x0, y); s13.addProduct(x1, y); s23.addProduct(x2, y)
            offset &+= width
        }
        // Twelve horizontal sums as a tree of pairwise sums (Σ lanes of eight vectors in three steps).
        let rowsZeroAndOne = pairSums(pairSums(pairSums(s00, s01), pairSums(s02, s03)), pairSums(pairSums(s10, s11), pairSums(s12, s13)))
        let rowTwo = pairSums(pairSums(pairSums(s20, s21), pairSums(s22, s23)), SIMD8<S>())
        var result = SIMD16(lowHalf: rowsZeroAndOne, highHalf: rowTwo)
        var p = k / 8 * 8
        while p < k {   // k not a multiple of 8
            let x = (m[rows.0 * k + p], m[rows.1 * k + p], m[rows.2 * k + p])
            let y = (m[columns.0 * k + p], m[columns.1 * k + p], m[columns.2 * k + p], m[columns.3 * k + p])
            result += SIMD16(x.0 * y.0, x.0 * y.1, x.0 * y.2, x.0 * y.3, x.1 * y.0, x.1 * y.1, x.1 * y.2, x.1 * y.3,
                             x.2 * y.0, x.2 * y.1, x.2 * y.2, x.2 * y.3, 0, 0, 0, 0)
            p += 1
        }
        return result
    }

    /// [a0+a1, a2+a3, a4+a5, a6+a7, b0+b1, b2+b3, b4+b5, b6+b7].
    @inline(__always)
    private static func pairSums<S: ModelScalar>(_ a: SIMD8<S>, _ b: SIMD8<S>) -> SIMD8<S> {
        let joined = SIMD16(lowHalf: a, highHalf: b)
        return joined.evenHalf + joined.oddHalf
    }
}
