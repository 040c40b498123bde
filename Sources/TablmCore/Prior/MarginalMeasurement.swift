/// A marginal of the private rows released by the Gaussian mechanism: the noisy counts over
/// `attributes` and the noise's standard deviation. Everything downstream (estimation, sampling,
/// training on pseudo rows) reads these, never the rows.
public struct MarginalMeasurement: Sendable, Equatable {
    public let attributes: [Int]
    public let noisy: [Double]
    public let sigma: Double

    public init(attributes: [Int], noisy: [Double], sigma: Double) {
        self.attributes = attributes
        self.noisy = noisy
        self.sigma = sigma
    }

    /// Releases the marginal of `table` over `attributes` with N(0, σ²) on every cell (the caller
    /// records the release, one Gaussian mechanism of L2 sensitivity 1, in the accountant).
    public static func release<G: RandomNumberGenerator>(_ table: DiscreteTable, attributes: [Int], sigma: Double,
                                                         noise: inout GaussianSampler<G>) -> MarginalMeasurement {
        let exact = table.marginal(attributes)
        return MarginalMeasurement(attributes: attributes, noisy: exact.values.map { $0 + sigma * noise.next() }, sigma: sigma)
    }
}
