import Foundation

/// A discrete privacy loss distribution (Koskela, Jälkö & Honkela 2020; Google's dp_accounting):
/// P-mass `masses[i]` at loss (lowerIndex + i)·Δ, plus `infinityMass` at +∞. Its hockey-stick
/// divergence δ(ε) = infinityMass + Σ masses[i]·(1 − e^{ε − lossᵢ})₊ bounds the mechanism's from
/// above, and composing mechanisms convolves their distributions.
struct PrivacyLossDistribution {
    let discretization: Double
    let lowerIndex: Int
    var masses: [Double]
    /// Mass at +∞, including every amount this code could not place exactly (truncated tails and
    /// the floating-point allowance of the composition): each adds at most its size to δ.
    var infinityMass: Double

    func loss(at i: Int) -> Double { Double(lowerIndex + i) * discretization }

    /// The least and greatest loss over the pair's effective range: the span the grid covers.
    static func lossEnds(_ pair: SampledGaussianPair) -> (lowest: Double, highest: Double) {
        let range = pair.effectiveRange
        let ends = [pair.loss(range.lower), pair.loss(range.upper)]
        return (ends.min()!, ends.max()!)
    }

    /// How many grid points `init(pair:discretization:)` would allocate (∞ where a loss overflows).
    static func gridPoints(pair: SampledGaussianPair, discretization d: Double) -> Double {
        let ends = lossEnds(pair)
        let span = (ends.highest - ends.lowest) / d
        return span.isNaN ? .infinity : span
    }

    /// Connect-the-dots discretisation (Doroshenko, Ghazi, Kamath, Kumar & Manurangsi 2022,
    /// "Connect the Dots", Algorithm 1), in an equivalent form that avoids their second differences
    /// of δ: the (P, Q)-mass of each loss interval (lⱼ, lⱼ₊₁] is split between its two grid points
    /// so that both the P-mass and the Q-mass are kept. The result's δ(ε) is the chord of the true
    /// δ as a function of e^ε, which is convex, hence above it: a pessimistic (valid) estimate.
    /// P-mass below the grid is moved up to its first point; above the grid, the part that the
    /// top point's Q-mass cannot carry goes to +∞.
    init(pair: SampledGaussianPair, discretization d: Double) {
        let ends = Self.lossEnds(pair)
        let low = Int((ends.lowest / d).rounded(.down))
        let high = max(Int((ends.highest / d).rounded(.up)), low + 1)
        discretization = d
        lowerIndex = low
        var masses = [Double](repeating: 0, count: high - low + 1)
        let growth = expm1(d)
        for j in 0..<(high - low) {
            let l = Double(low + j) * d
            let x = pair.interval(lossAbove: l, atMost: l + d)
            let (p, q) = pair.masses(from: x.lower, to: x.upper)
            guard p > 0 else { continue }
            // p/q lies in [e^l, e^{l+Δ}], so this share lies in [0, p].
            let lowerShare = min(max((exp(l + d) * q - p) / growth, 0), p)
            masses[j] += lowerShare
            masses[j + 1] += p - lowerShare
        }
        let bottom = pair.interval(lossAbove: -.infinity, atMost: Double(low) * d)
        masses[0] += pair.masses(from: bottom.lower, to: bottom.upper).p
        let topLoss = Double(high) * d
        let top = pair.interval(lossAbove: topLoss, atMost: .infinity)
        let (pTop, qTop) = pair.masses(from: top.lower, to: top.upper)
        let carried = min(exp(topLoss) * qTop, pTop)
        masses[masses.count - 1] += carried
        infinityMass = pTop - carried
        self.masses = masses
    }

    /// The dominating pair of every ε-DP mechanism, randomized response (Kairouz, Oh & Viswanath 2015):
    /// loss +ε with P-mass e^ε/(1+e^ε), −ε with 1/(1+e^ε); dp_accounting's RandomizedResponseDpEvent
    /// with two buckets and noise 2/(1+e^ε). Losses are rounded up to the grid (pessimistic).
    init(pureEpsilon epsilon: Double, discretization d: Double) {
        let high = Int((epsilon / d).rounded(.up)), low = Int((-epsilon / d).rounded(.up))
        var masses = [Double](repeating: 0, count: high - low + 1)
        let p = 1 / (1 + exp(-epsilon))
        masses[high - low] += p
        masses[0] += 1 - p
        self.init(discretization: d, lowerIndex: low, masses: masses, infinityMass: 0)
    }

    init(discretization: Double, lowerIndex: Int, masses: [Double], infinityMass: Double) {
        self.discretization = discretization
        self.lowerIndex = lowerIndex
        self.masses = masses
        self.infinityMass = infinityMass
    }

    /// δ(ε) of this distribution.
    func delta(epsilon: Double) -> Double {
        var delta = infinityMass
        for (i, mass) in masses.enumerated() where loss(at: i) > epsilon {
            delta += mass * -expm1(epsilon - loss(at: i))
        }
        return delta
    }

    /// The smallest ε ≥ 0 with δ(ε) ≤ `delta` (+∞ when even ε = ∞ leaves too much at +∞).
    /// Walks down from the top keeping S₀ = Σ masses and S₁ = Σ masses·e^{−loss} over losses above
    /// ε, where δ(ε) = ∞-mass + S₀ − e^ε·S₁ is solved exactly between grid points.
    func epsilon(delta target: Double) -> Double {
        // A NaN (a σ below the accountants' range overflows the loss grid) reads as no guarantee, never as 0.
        guard infinityMass < target else { return .infinity }
        // S₁ is kept as its logarithm: e^−loss underflows above a loss of 745 and e^ε overflows above
        // 709.78, which capped a larger ε at 709.78 (a report below the truth). e^floor·S₁ ≤ S₀ stays finite.
        var s0 = 0.0, logS1 = -Double.infinity
        var i = masses.count - 1
        while i >= 0 && loss(at: i) > 0 {
            s0 += masses[i]
            if s0.isNaN { return .infinity }
            if masses[i] > 0 { logS1 = LogSpace.add(logS1, log(masses[i]) - loss(at: i)) }
            let floor = max(loss(at: i - 1), 0)
            if infinityMass + s0 - exp(floor + logS1) > target {
                let solved = log(infinityMass + s0 - target) - logS1
                return min(max(solved, floor), loss(at: i))
            }
            i -= 1
        }
        return 0
    }

    /// The orders λ at which `compose` bounds a sum of losses (Chernoff): 2⁻⁶ … 2¹⁰.
    static let chernoffOrders = (-6...10).map { pow(2.0, Double($0)) }

    /// log E[e^{λ·loss}] (`up`) and log E[e^{−λ·loss}] (`down`) over the finite masses, at each of
    /// `chernoffOrders`: a sum of independent losses has the sum of these.
    struct Moments {
        let up: [Double]
        let down: [Double]
    }

    func moments() -> Moments {
        let support = masses.indices.filter { masses[$0] > 0 }.map { (logMass: log(masses[$0]), loss: loss(at: $0)) }
        func logMGF(_ lambda: Double) -> Double {
            let top = support.reduce(-Double.infinity) { max($0, $1.logMass + lambda * $1.loss) }
            let sum = support.reduce(0.0) { $0 + exp($1.logMass + lambda * $1.loss - top) }
            return top + log(sum)
        }
        return Moments(up: Self.chernoffOrders.map(logMGF), down: Self.chernoffOrders.map { logMGF(-$0) })
    }

    /// (a + bi)ⁿ for n ≥ 1 by binary powering: at most 2·⌊log₂n⌋ complex products, each with relative
    /// error at most √5·u (Brent, Percival & Zimmermann 2007, "Error bounds on complex floating-point
    /// multiplication"), so the result is within ((1 + √5·u)ⁿ⁻¹ − 1)·|z|ⁿ of zⁿ, which is (n − 1)·√5·u·|z|ⁿ
    /// to first order and under the 4u·n per point that `compose` charges for raising a transform to a
    /// power for any n it takes (n·u ≪ 1). The polar form it replaces (exp, log, atan2, cos, sin a
    /// point) was most of an accountant's time.
    static func power(_ a: Double, _ b: Double, _ n: Int) -> (Double, Double) {
        precondition(n >= 1, "a power of at least 1")
        var (re, im) = (1.0, 0.0), (baseRe, baseIm) = (a, b), n = n
        while true {
            if n & 1 == 1 { (re, im) = (re * baseRe - im * baseIm, re * baseIm + im * baseRe) }
            n >>= 1
            if n == 0 { return (re, im) }
            (baseRe, baseIm) = (baseRe * baseRe - baseIm * baseIm, 2 * baseRe * baseIm)
        }
    }

    /// The composition of `parts` (each distribution taken `times` times), all on the same grid,
    /// by one FFT per part and a pointwise product (cyclic convolution on a window of the loss axis).
    ///
    /// The window [a, b] comes from Chernoff bounds on the sum of losses, with tail `tail` beyond
    /// each end. Mass below a wraps around to higher losses (pessimistic, no charge); mass above b
    /// wraps to lower losses, so `tail` is charged to +∞. So is the FFT's rounding, bounded in L1 by
    /// √N·((T + 1)·8u·log₂N + 4uT) (Higham's FFT bound, |zᵀ − ẑᵀ| ≤ T·|z − ẑ| for |z| ≤ 1).
    /// `chargeRounding: false` leaves that out, as dp_accounting does (tests compare the two).
    /// Returns nil when the window needs more than `maximumLength` points.
    /// `moments`, when given, holds each part's `moments()` (`LossDistributionMemo` keeps them).
    static func compose(_ parts: [(distribution: PrivacyLossDistribution, times: Int)], moments: [Moments]? = nil, tail: Double = 1e-15,
                        maximumLength: Int = 1 << 23, chargeRounding: Bool = true) -> PrivacyLossDistribution? {
        precondition(moments == nil || moments!.count == parts.count, "one moments entry a part")
        let kept = parts.indices.filter { parts[$0].times > 0 }
        // log E[e^{±λ·loss}] of the finite part of each distribution, for the Chernoff bounds.
        let moments = kept.map { moments?[$0] ?? parts[$0].distribution.moments() }
        let parts = kept.map { parts[$0] }
        guard let d = parts.first?.distribution.discretization else {
            return PrivacyLossDistribution(discretization: 1e-4, lowerIndex: 0, masses: [1], infinityMass: 0)
        }
        precondition(parts.allSatisfy { $0.distribution.discretization == d }, "compose needs one grid")
        // The support's ends, in floating point first: 10⁸ steps of a wide grid overflow an Int (a
        // trap, before), and a composition that long is no grid this can hold.
        let ends = parts.reduce((low: 0.0, high: 0.0)) { sum, part in
            (sum.low + Double(part.times) * Double(part.distribution.lowerIndex),
             sum.high + Double(part.times) * Double(part.distribution.lowerIndex + part.distribution.masses.count - 1))
        }
        guard abs(ends.low) < 1e15, abs(ends.high) < 1e15 else { return nil }
        let supportLow = Int(ends.low), supportHigh = Int(ends.high)
        func logMGF(_ order: Int, _ side: KeyPath<Moments, [Double]>) -> Double {
            zip(parts, moments).reduce(0.0) { total, item in total + Double(item.0.times) * item.1[keyPath: side][order] }
        }
        let lambdas = Self.chernoffOrders
        var high = supportHigh, low = supportLow
        var charged = 0.0
        if let chernoffHigh = lambdas.indices.map({ ((logMGF($0, \.up) - log(tail)) / (lambdas[$0] * d)).rounded(.up) }).min(),
           chernoffHigh.isFinite, chernoffHigh < Double(supportHigh), chernoffHigh > Double(supportLow) {
            high = Int(chernoffHigh)
            charged = tail
        }
        if let chernoffLow = lambdas.indices.map({ ((log(tail) - logMGF($0, \.down)) / (lambdas[$0] * d)).rounded(.down) }).max(),
           chernoffLow.isFinite, chernoffLow > Double(supportLow), chernoffLow < Double(supportHigh) {
            low = min(Int(chernoffLow), high)
        }
        var length = 1
        while length < high - low + 1 { length <<= 1 }
        guard length <= maximumLength else { return nil }

        let fft = FourierTransform(count: length)
        var real = [Double](repeating: 1, count: length), imaginary = [Double](repeating: 0, count: length)
        var totalTimes = 0
        var survival = 0.0   // log of the chance that no part's loss is +∞
        for part in parts {
            var re = [Double](repeating: 0, count: length), im = [Double](repeating: 0, count: length)
            for (i, mass) in part.distribution.masses.enumerated() { re[i % length] += mass }
            fft.transform(real: &re, imaginary: &im, inverse: false)
            for k in 0..<length {
                let (pr, pi) = Self.power(re[k], im[k], part.times)
                (real[k], imaginary[k]) = (real[k] * pr - imaginary[k] * pi, real[k] * pi + imaginary[k] * pr)
            }
            totalTimes += part.times
            survival += Double(part.times) * log1p(-part.distribution.infinityMass)
        }
        fft.transform(real: &real, imaginary: &imaginary, inverse: true)
        // Position r holds the sums s ≡ r (mod N) of the per-part offsets; entry i of the result is loss index low + i.
        let start = ((low - supportLow) % length + length) % length
        let masses = (0..<length).map { i in max(real[(start + i) % length], 0) }
        let u = Double.ulpOfOne / 2, logLength = log2(Double(length)), t = Double(totalTimes)
        let rounding = Double(length).squareRoot() * ((t + 1) * 8 * u * logLength + 4 * u * t)
        return PrivacyLossDistribution(discretization: d, lowerIndex: low, masses: masses,
                                       infinityMass: -expm1(survival) + charged + (chargeRounding ? rounding : 0))
    }
}
