import Foundation

/// Privacy-loss-distribution accounting of the Poisson-subsampled Gaussian (Koskela et al. 2020;
/// Doroshenko et al. 2022 for the discretisation): tight where RDP's conversion to (ε, δ) is loose,
/// and still an upper bound, since every approximation it makes moves loss upward or to +∞.
/// Both orders of add-or-remove adjacency are composed separately and the larger ε is reported.
public enum PLDAccountant {
    /// The loss grid: 1e-4 as in dp_accounting. Coarser grids are valid but looser.
    public static let defaultDiscretization = 1e-4

    /// ε of a history of (σ, q, steps) segments at δ. When the composed window would not fit in
    /// memory the grid is made coarser (still a valid bound).
    public static func epsilon(history: [PrivacyAccountant.Segment], delta: Double,
                               discretization: Double = defaultDiscretization) -> Double {
        epsilon(history: history, delta: delta, discretization: discretization, chargeRounding: true)
    }

    static func epsilon(history: [PrivacyAccountant.Segment], delta: Double, discretization: Double, chargeRounding: Bool) -> Double {
        guard history.contains(where: \.isActive) else { return 0 }
        if history.contains(where: { $0.isActive && $0.kind == .sampledGaussian && $0.noiseMultiplier == 0 }) { return .infinity }
        var d = discretization
        while true {
            if let epsilon = composedEpsilon(history: history, delta: delta, discretization: d, chargeRounding: chargeRounding) { return epsilon }
            d *= 2
        }
    }

    static func composed(history: [PrivacyAccountant.Segment], order: SampledGaussianPair.Order,
                         discretization d: Double, chargeRounding: Bool = true) -> PrivacyLossDistribution? {
        // Composition commutes: runs of the same mechanism anywhere in the history are composed as one
        // part (the prior's selections and measurements alternate), one FFT each.
        var grouped: [PrivacyAccountant.Segment] = []
        for segment in history where segment.isActive {
            if let index = grouped.firstIndex(where: { $0.sameMechanism(as: segment) }) { grouped[index].steps += segment.steps } else { grouped.append(segment) }
        }
        let parts = grouped.map { segment in
            switch segment.kind {
            case .sampledGaussian:
                return (distribution: PrivacyLossDistribution(pair: SampledGaussianPair(sigma: segment.noiseMultiplier, sampleRate: segment.sampleRate,
                                                                                        order: order), discretization: d),
                        times: segment.steps)
            case .exponential:
                // Randomized response is symmetric: both orders have the same distribution.
                return (distribution: PrivacyLossDistribution(pureEpsilon: segment.epsilon!, discretization: d), times: segment.steps)
            }
        }
        return PrivacyLossDistribution.compose(parts, chargeRounding: chargeRounding)
    }

    private static func composedEpsilon(history: [PrivacyAccountant.Segment], delta: Double, discretization d: Double,
                                        chargeRounding: Bool) -> Double? {
        var worst = 0.0
        for order in [SampledGaussianPair.Order.remove, .add] {
            guard let distribution = composed(history: history, order: order, discretization: d, chargeRounding: chargeRounding) else { return nil }
            worst = max(worst, distribution.epsilon(delta: delta))
        }
        return worst
    }
}
