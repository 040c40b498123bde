import Foundation
import RealModule

/// Exact N(0, 1) samples by the ziggurat method (Marsaglia & Tsang 2000, "The Ziggurat Method for
/// Generating Random Variables"), in Doornik's form (2005, "An Improved Ziggurat Method to Generate
/// Normal Random Samples"): the density is covered by 256 layers of equal area V, the bottom one a
/// rectangle plus the tail beyond R. A draw picks a layer and a point in it; about 99 % of draws fall
/// inside the part of the layer that lies wholly under the density and are returned after one
/// multiplication, the rest are accepted or rejected against the density itself, and the tail is
/// sampled by Marsaglia's (1964) exact method. Nothing is approximated: the distribution is the
/// normal's up to the 53-bit resolution of the uniforms.
///
/// Each draw reads one 64-bit word: bits 0–7 choose the layer and bits 11–63 give the signed 53-bit
/// uniform, so the layer and the point are independent (Doornik's fix to the original, which reused
/// bits). DP-SGD's noise needs one draw per parameter per step; Marsaglia's polar method, used before,
/// took about 2.5 words, a logarithm, a square root and a division per pair.
struct NormalZiggurat: Sendable {
    static let layers = 256
    /// Where the tail starts, solved (to 25 digits, in mpmath) so that the 256 layers close exactly at 0.
    static let tailStart = 3.6541528853610088
    /// Each layer's area under exp(−x²/2): the rectangle R·f(R) plus the tail, ∫_R^∞ f.
    static let layerArea = tailStart * Foundation.exp(-0.5 * tailStart * tailStart)
        + (Double.pi / 2).squareRoot() * Foundation.erfc(tailStart / 2.0.squareRoot())

    /// Layer edges x_0 > x_1 = R > … > x_256 = 0 (x_0 = V/f(R): the bottom rectangle's width).
    let edges: [Double]
    /// x_{i+1}/x_i: below it a point of layer i lies under the density for sure.
    let ratios: [Double]

    init() {
        let r = Self.tailStart, v = Self.layerArea
        var edges = [Double](repeating: 0, count: Self.layers + 1)
        var f = Foundation.exp(-0.5 * r * r)
        edges[0] = v / f
        edges[1] = r
        for i in 2..<Self.layers {
            edges[i] = (-2 * Foundation.log(v / edges[i - 1] + f)).squareRoot()
            f = Foundation.exp(-0.5 * edges[i] * edges[i])
        }
        self.edges = edges
        ratios = (0..<Self.layers).map { edges[$0 + 1] / edges[$0] }
    }

    /// The tables as pointers, for a loop of draws.
    func withTables<R>(_ body: (Tables) throws -> R) rethrows -> R {
        try edges.withUnsafeBufferPointer { edges in
            try ratios.withUnsafeBufferPointer { ratios in try body(Tables(edges: edges, ratios: ratios)) }
        }
    }

    struct Tables {
        let edges: UnsafeBufferPointer<Double>, ratios: UnsafeBufferPointer<Double>

        /// One N(0, 1) value from the words `next` returns.
        @inline(__always)
        func sample(_ next: () -> UInt64) -> Double {
            while true {
                let word = next()
                let layer = Int(word & 0xFF)
                let u = Double(Int64(bitPattern: word) >> 11) * 0x1p-52   // in [−1, 1), steps of 2^-52
                if abs(u) < ratios[layer] { return u * edges[layer] }
                if layer == 0 { return NormalZiggurat.tail(negative: u < 0, next) }
                let x = u * edges[layer]
                let below = Double.exp(-0.5 * (edges[layer] * edges[layer] - x * x))           // f(x_i)/f(x)
                let above = Double.exp(-0.5 * (edges[layer + 1] * edges[layer + 1] - x * x))   // f(x_{i+1})/f(x)
                if above + NormalZiggurat.uniform(next()) * (below - above) < 1 { return x }
            }
        }
    }

    /// A uniform in (0, 1]: never 0, so its logarithm is finite.
    @inline(__always)
    static func uniform(_ word: UInt64) -> Double { Double((word >> 11) + 1) * 0x1p-53 }

    /// |Z| conditioned on |Z| > R (Marsaglia 1964), with the given sign.
    static func tail(negative: Bool, _ next: () -> UInt64) -> Double {
        let r = tailStart
        while true {
            let x = Double.log(uniform(next())) / r
            let y = Double.log(uniform(next()))
            if -2 * y >= x * x { return negative ? x - r : r - x }
        }
    }
}
