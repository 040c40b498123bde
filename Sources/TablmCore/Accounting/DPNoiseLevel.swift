/// How loud DP-SGD's noise is against the signal it hides. Each step adds N(0, σ²C²) to a sum of
/// about B clipped row gradients (norm ≤ C each) and divides by B, so every coordinate of the mean
/// gradient carries noise of standard deviation (σ/B)·C. At a fixed number of steps, what a
/// DP-SGD run learns follows that effective noise σ/B (Sander, Stock & Sablayrolles 2023, "TAN
/// without a burn"): tablm's default runs sit at 0.004–0.04, and runs far above learn nothing.
/// Once σ is large, T steps at rate q compose like one Gaussian of noise σ/(q√T), so σ/B is at most
/// about √(2T ln(1/δ))/(N·ε) whatever the batch: more ε, more rows N or fewer steps T lower it; a
/// larger batch does not.
public struct DPNoiseLevel: Sendable {
    public enum Verdict: Sendable { case usable, weak, drowned }

    public var noiseMultiplier: Double
    public var expectedBatchSize: Double

    /// σ/B above this: the run trains, but little of the rows will show in the model.
    public static let weakAbove = 0.1
    /// σ/B above this: each coordinate's noise exceeds a whole clipped gradient's norm C; the
    /// updates are noise, and the run is refused unless the user insists.
    public static let drownedAbove = 1.0

    public init(noiseMultiplier: Double, expectedBatchSize: Double) {
        self.noiseMultiplier = noiseMultiplier
        self.expectedBatchSize = expectedBatchSize
    }

    /// σ/B: the noise's standard deviation on each coordinate of the mean gradient, in units of C.
    public var effectiveNoise: Double { noiseMultiplier / max(expectedBatchSize, 1e-300) }

    public var verdict: Verdict {
        effectiveNoise > Self.drownedAbove ? .drowned : effectiveNoise > Self.weakAbove ? .weak : .usable
    }

    /// One line: the level, and what lowers it (with `rows` rows and `steps` steps planned).
    public func explanation(rows: Int, steps: Int) -> String {
        let level = String(format: "σ/B = %.3g: noise of %.3g·C on each coordinate of every step's mean gradient (σ = %.4g over an expected %.0f rows a step; usable runs stay below %.2g)",
                           effectiveNoise, effectiveNoise, noiseMultiplier, expectedBatchSize, Self.weakAbove)
        return level + "; to lower it: a larger --epsilon, more rows than \(rows), or fewer --steps than \(steps)"
    }
}
