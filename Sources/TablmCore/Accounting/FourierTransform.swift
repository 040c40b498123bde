import Foundation

/// An in-place radix-2 complex FFT in double precision, for composing privacy loss distributions
/// (cyclic convolution = pointwise product of transforms). Iterative Cooley–Tukey with bit reversal;
/// each twiddle factor is computed directly by cos/sin rather than by recurrence, which keeps the
/// error within Higham's bound (Accuracy and Stability of Numerical Algorithms, 2nd ed., §24.1):
/// ‖ŷ − y‖₂ ≤ log₂N · η · ‖y‖₂ with η ≈ 8u — the bound `PrivacyLossDistribution` charges to δ.
struct FourierTransform {
    let count: Int
    private let cosines: [Double]
    private let sines: [Double]

    init(count: Int) {
        precondition(count > 0 && count & (count - 1) == 0, "FFT length must be a power of two")
        self.count = count
        let half = max(count / 2, 1)
        cosines = (0..<half).map { cos(2 * Double.pi * Double($0) / Double(count)) }
        sines = (0..<half).map { sin(2 * Double.pi * Double($0) / Double(count)) }
    }

    /// Forward (e^{−2πi jk/N}) or inverse (e^{+2πi jk/N}, scaled by 1/N) transform of (re, im).
    func transform(real: inout [Double], imaginary: inout [Double], inverse: Bool) {
        precondition(real.count == count && imaginary.count == count)
        let n = count
        real.withUnsafeMutableBufferPointer { re in
            imaginary.withUnsafeMutableBufferPointer { im in
                var j = 0
                for i in 1..<max(n, 1) {
                    var bit = n >> 1
                    while j & bit != 0 { j ^= bit; bit >>= 1 }
                    j |= bit
                    if i < j { re.swapAt(i, j); im.swapAt(i, j) }
                }
                let sign: Double = inverse ? 1 : -1
                var length = 2
                while length <= n {
                    let halfLength = length / 2
                    let stride = n / length
                    var start = 0
                    while start < n {
                        for k in 0..<halfLength {
                            let wr = cosines[k * stride], wi = sign * sines[k * stride]
                            let a = start + k, b = a + halfLength
                            let tr = re[b] * wr - im[b] * wi
                            let ti = re[b] * wi + im[b] * wr
                            re[b] = re[a] - tr; im[b] = im[a] - ti
                            re[a] += tr; im[a] += ti
                        }
                        start += length
                    }
                    length <<= 1
                }
                if inverse {
                    let scale = 1 / Double(n)
                    for i in 0..<n { re[i] *= scale; im[i] *= scale }
                }
            }
        }
    }
}
