/// Tracks the privacy spent by a run of the Poisson-subsampled Gaussian mechanism (DP-SGD steps)
/// and answers ε for a δ. It knows nothing about models: only (noise multiplier, sample rate, steps).
public struct PrivacyAccountant: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Rényi DP of the sampled Gaussian (Mironov et al. 2019): fast, a valid upper bound.
        case rdp
        /// Privacy loss distributions with connect-the-dots discretisation (Doroshenko et al. 2022):
        /// tighter, slower (an FFT over the loss grid), also a valid upper bound.
        case pld
    }

    public var method: Method
    public private(set) var history: [PrivacyEvent] = []

    public init(method: Method = .rdp) { self.method = method }

    public mutating func record(noiseMultiplier: Double, sampleRate: Double, steps: Int = 1) {
        record(PrivacyEvent(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps))
    }

    /// Adds a mechanism's runs; a run of the same mechanism as the last one extends it.
    public mutating func record(_ event: PrivacyEvent) {
        if let last = history.last, last.sameMechanism(as: event) {
            history[history.count - 1].steps += event.steps
        } else {
            history.append(event)
        }
    }

    public init(method: Method, history: [PrivacyEvent]) {
        self.method = method
        history.forEach { record($0) }
    }

    public var steps: Int { history.reduce(0) { $0 + $1.steps } }

    /// The noise multipliers (besides 0, no noise: ε = ∞) and steps the accountants answer for in
    /// bounded time. Below σ = 0.1 PLD's loss grid grows past what it can hold (σ = 0.05 took 14 s a
    /// step at q = 1; 0.01 overflowed), and above 1e6 ε is 0 to the digits printed; 1e8 steps take
    /// 9 s. Anything outside is refused where it is read (issue #34: 1e-9, 1e300, inf trapped).
    public static let noiseMultipliers: ClosedRange<Double> = 0.1...1e6
    public static let maximumSteps = 100_000_000

    /// Whether a noise multiplier is one the accountants answer for.
    public static func accepts(noiseMultiplier sigma: Double) -> Bool { sigma == 0 || noiseMultipliers.contains(sigma) }

    public func epsilon(delta: Double) -> Double {
        guard !history.isEmpty else { return 0 }
        let rdp = RDPAccountant.epsilon(history: history, delta: delta)
        switch method {
        case .rdp: return rdp
        // Both are upper bounds on the same composed mechanism, so the smaller is one too. PLD is the
        // smaller for DP-SGD; RDP can be for many exponential mechanisms (charged as ε²/8-zCDP there,
        // as pure ε-DP in PLD).
        case .pld: return min(PLDAccountant.epsilon(history: history, delta: delta), rdp)
        }
    }

    /// The smallest noise multiplier (to 0.1 % relative) whose ε after `steps` steps at rate q, composed
    /// with the mechanisms in `prior` (e.g. a count release), is at most `targetEpsilon`. Found by
    /// bisection on a monotone function; the result is checked, never rounded down.
    public static func calibrate(targetEpsilon: Double, delta: Double, sampleRate: Double, steps: Int, method: Method,
                                 prior: [PrivacyEvent] = []) -> Double? {
        func epsilon(_ sigma: Double) -> Double {
            var accountant = PrivacyAccountant(method: method)
            prior.forEach { accountant.record($0) }
            accountant.record(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps)
            return accountant.epsilon(delta: delta)
        }
        guard targetEpsilon > 0, targetEpsilon.isFinite else { return nil }
        // The least noise the accountants answer for already reaches a large target: no search below it.
        if epsilon(noiseMultipliers.lowerBound) <= targetEpsilon { return noiseMultipliers.lowerBound }
        var high = 1.0
        while epsilon(high) > targetEpsilon {
            high *= 2
            if high > 1e4 { return nil }
        }
        var low = max(high / 2, noiseMultipliers.lowerBound)
        if epsilon(low) <= targetEpsilon { low = noiseMultipliers.lowerBound }
        while (high - low) / high > 1e-3 {
            let middle = (low + high) / 2
            if epsilon(middle) <= targetEpsilon { high = middle } else { low = middle }
        }
        return high
    }
}
