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

    /// `steps` steps with the same noise multiplier and sample rate.
    public struct Segment: Codable, Sendable, Equatable {
        public var noiseMultiplier: Double
        public var sampleRate: Double
        public var steps: Int

        public init(noiseMultiplier: Double, sampleRate: Double, steps: Int) {
            self.noiseMultiplier = noiseMultiplier
            self.sampleRate = sampleRate
            self.steps = steps
        }

        /// One release by the Gaussian mechanism of a sensitivity-1 query (a count) with noise σ: the
        /// sampled Gaussian at rate 1, once.
        public static func gaussianRelease(noiseMultiplier: Double) -> Segment {
            Segment(noiseMultiplier: noiseMultiplier, sampleRate: 1, steps: 1)
        }

        enum CodingKeys: String, CodingKey {
            case noiseMultiplier = "noise_multiplier", sampleRate = "sample_rate", steps
        }
    }

    public var method: Method
    public private(set) var history: [Segment] = []

    public init(method: Method = .rdp) { self.method = method }

    public mutating func record(noiseMultiplier: Double, sampleRate: Double, steps: Int = 1) {
        if let last = history.last, last.noiseMultiplier == noiseMultiplier, last.sampleRate == sampleRate {
            history[history.count - 1].steps += steps
        } else {
            history.append(Segment(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps))
        }
    }

    public mutating func record(_ segment: Segment) {
        record(noiseMultiplier: segment.noiseMultiplier, sampleRate: segment.sampleRate, steps: segment.steps)
    }

    public var steps: Int { history.reduce(0) { $0 + $1.steps } }

    public func epsilon(delta: Double) -> Double {
        guard !history.isEmpty else { return 0 }
        switch method {
        case .rdp: return RDPAccountant.epsilon(history: history, delta: delta)
        case .pld: return PLDAccountant.epsilon(history: history, delta: delta)
        }
    }

    /// The smallest noise multiplier (to 0.1 % relative) whose ε after `steps` steps at rate q, composed
    /// with the mechanisms in `prior` (e.g. a count release), is at most `targetEpsilon`. Found by
    /// bisection on a monotone function; the result is checked, never rounded down.
    public static func calibrate(targetEpsilon: Double, delta: Double, sampleRate: Double, steps: Int, method: Method,
                                 prior: [Segment] = []) -> Double? {
        func epsilon(_ sigma: Double) -> Double {
            var accountant = PrivacyAccountant(method: method)
            prior.forEach { accountant.record($0) }
            accountant.record(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps)
            return accountant.epsilon(delta: delta)
        }
        var high = 1.0
        while epsilon(high) > targetEpsilon {
            high *= 2
            if high > 1e4 { return nil }
        }
        var low = high / 2
        if epsilon(low) <= targetEpsilon { low = 0 }
        while (high - low) / high > 1e-3 {
            let middle = (low + high) / 2
            if epsilon(middle) <= targetEpsilon { high = middle } else { low = middle }
        }
        return high
    }
}
