/// Gaussian samples N(0, 1) by the Box–Muller transform on 53-bit uniforms (Box & Muller 1958): the
/// one Gaussian sampler of tablm. The noise of the mechanisms draws pairs (`next`, the second value
/// kept for the next call) from a ChaCha20 generator; the model's initialisation draws one value per
/// pair of uniforms from a seeded SplitMix64 (`single`), as it always has, so that seeded models stay
/// the same bit for bit. (DP-SGD's per-coordinate noise is `GaussianNoise`, a ziggurat on ChaCha20.)
public struct GaussianSampler<G: RandomNumberGenerator> {
    public var generator: G
    private var spare: Double?

    public init(generator: G) { self.generator = generator }

    public mutating func next() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let radius = (-2 * Double.log(u1)).squareRoot()
        spare = radius * Double.sin(2 * .pi * u2)
        return radius * Double.cos(2 * .pi * u2)
    }

    public mutating func uniform() -> Double { Double.random(in: 0..<1, using: &generator) }

    /// One sample from two uniforms, the second value discarded; u₁ from [ε, 1) keeps log(u₁) finite.
    public static func single(using generator: inout some RandomNumberGenerator) -> Double {
        let u1 = Double.random(in: Double.ulpOfOne..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2)
    }
}
