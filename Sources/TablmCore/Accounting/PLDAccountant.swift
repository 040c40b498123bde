import Foundation

/// Privacy-loss-distribution accounting of the Poisson-subsampled Gaussian (Koskela et al. 2020;
/// Doroshenko et al. 2022 for the discretisation): tight where RDP's conversion to (ε, δ) is loose,
/// and still an upper bound, since every approximation it makes moves loss upward or to +∞.
/// Both orders of add-or-remove adjacency are composed separately and the larger ε is reported.
public enum PLDAccountant {
    /// The loss grid: 1e-4 as in dp_accounting. Coarser grids are valid but looser.
    public static let defaultDiscretization = 1e-4
    /// The most grid points one step's distribution may hold (the composition's own window limit).
    static let maximumGridPoints = 1 << 23
    /// The coarsest grid tried (a loss step of 10⁶), far coarser than any σ ≥ 10⁻⁵ needs.
    static let maximumDiscretization = 1e6

    /// ε of a history of events at δ. When the composed window would not fit in
    /// memory the grid is made coarser (still a valid bound).
    public static func epsilon(history: [PrivacyEvent], delta: Double,
                               discretization: Double = defaultDiscretization) -> Double {
        epsilon(history: history, delta: delta, discretization: discretization, chargeRounding: true)
    }

    static func epsilon(history: [PrivacyEvent], delta: Double, discretization: Double, chargeRounding: Bool) -> Double {
        guard history.contains(where: \.isActive) else { return 0 }
        if history.contains(where: { if case .sampledGaussian(0, _, _) = $0 { return $0.isActive } else { return false } }) { return .infinity }
        let active = history.filter(\.isActive)
        if active.allSatisfy(\.isGaussianRelease) {
            return AnalyticGaussian.epsilon(noiseMultiplier: AnalyticGaussian.composedNoise(active), delta: delta)
        }
        var d = discretization
        // A loss no grid can hold (σ so small that σ² underflows) has no PLD bound: ∞, and the
        // accountant reports RDP's.
        while d <= maximumDiscretization {
            if let epsilon = composedEpsilon(history: history, delta: delta, discretization: d, chargeRounding: chargeRounding) { return epsilon }
            d *= 2
        }
        return .infinity
    }

    static func composed(history: [PrivacyEvent], order: SampledGaussianPair.Order,
                         discretization d: Double, chargeRounding: Bool = true) -> PrivacyLossDistribution? {
        // Composition commutes: runs of the same mechanism anywhere in the history are composed as one
        // part (the prior's selections and measurements alternate), one FFT each.
        var grouped: [PrivacyEvent] = []
        // Gaussian releases at rate 1 compose exactly into one (`AnalyticGaussian`): one grid instead
        // of an FFT power for each, where that one's losses still fit a grid (σ ≥ 0.1).
        let releases = history.filter { $0.isActive && $0.isGaussianRelease }
        let merged = releases.isEmpty ? 0 : AnalyticGaussian.composedNoise(releases)
        let merge = merged >= PrivacyAccountant.noiseMultipliers.lowerBound
        for event in history where event.isActive {
            if merge && event.isGaussianRelease { continue }
            if let index = grouped.firstIndex(where: { $0.sameMechanism(as: event) }) { grouped[index].steps += event.steps } else { grouped.append(event) }
        }
        if merge { grouped.append(.gaussianRelease(noiseMultiplier: merged)) }
        // A tiny σ (a hostile record's) spans more grid points than memory holds: bound the span before
        // allocating; nil makes the caller try a coarser grid.
        for case .sampledGaussian(let sigma, let q, _) in grouped
            where PrivacyLossDistribution.gridPoints(pair: SampledGaussianPair(sigma: sigma, sampleRate: q, order: order), discretization: d) > Double(maximumGridPoints) {
            return nil
        }
        let parts = grouped.map { event in
            LossDistributionMemo.shared.part(mechanism: event, order: order, discretization: d) {
                switch event {
                case .sampledGaussian(let sigma, let q, _):
                    return PrivacyLossDistribution(pair: SampledGaussianPair(sigma: sigma, sampleRate: q, order: order), discretization: d)
                case .exponential(let epsilon, _):
                    // Randomized response is symmetric: both orders have the same distribution.
                    return PrivacyLossDistribution(pureEpsilon: epsilon, discretization: d)
                }
            }
        }
        return PrivacyLossDistribution.compose(zip(parts, grouped).map { (distribution: $0.distribution, times: $1.steps) },
                                               moments: parts.map(\.moments), chargeRounding: chargeRounding)
    }

    private static func composedEpsilon(history: [PrivacyEvent], delta: Double, discretization d: Double,
                                        chargeRounding: Bool) -> Double? {
        var worst = 0.0
        for order in [SampledGaussianPair.Order.remove, .add] {
            guard let distribution = composed(history: history, order: order, discretization: d, chargeRounding: chargeRounding) else { return nil }
            worst = max(worst, distribution.epsilon(delta: delta))
        }
        return worst
    }
}
