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

    /// `steps` runs of one mechanism with the same parameters: a step of the Poisson-subsampled
    /// Gaussian (σ, q), or an exponential mechanism with parameter ε (the marginal prior's selection).
    public struct Segment: Codable, Sendable, Equatable, Hashable {
        public enum Kind: String, Codable, Sendable {
            /// The Poisson-subsampled Gaussian mechanism with sensitivity 1 (q = 1: the plain Gaussian).
            case sampledGaussian = "sampled_gaussian"
            /// The exponential mechanism with scores of sensitivity Δ drawn ∝ exp(ε·score / 2Δ)
            /// (McSherry & Talwar 2007): ε-DP and ε-bounded-range, hence ε²/8-zCDP (Cesar & Rogers
            /// 2021, Lemma 3.2). PLD charges it as ε-DP (randomized response, the pure-DP dominating
            /// pair), RDP as ε²/8-zCDP.
            case exponential
        }

        public var kind: Kind
        public var noiseMultiplier: Double
        public var sampleRate: Double
        /// ε of an exponential mechanism (nil for the Gaussian).
        public var epsilon: Double?
        public var steps: Int

        public init(noiseMultiplier: Double, sampleRate: Double, steps: Int) {
            kind = .sampledGaussian
            self.noiseMultiplier = noiseMultiplier
            self.sampleRate = sampleRate
            self.steps = steps
        }

        /// One release by the Gaussian mechanism of a sensitivity-1 query (a count) with noise σ: the
        /// sampled Gaussian at rate 1, once.
        public static func gaussianRelease(noiseMultiplier: Double, times: Int = 1) -> Segment {
            Segment(noiseMultiplier: noiseMultiplier, sampleRate: 1, steps: times)
        }

        /// `times` exponential mechanisms with parameter ε each.
        public static func exponential(epsilon: Double, times: Int = 1) -> Segment {
            var segment = Segment(noiseMultiplier: 0, sampleRate: 1, steps: times)
            segment.kind = .exponential
            segment.epsilon = epsilon
            return segment
        }

        /// The same mechanism with the same parameters (so the counts can be added).
        func sameMechanism(as other: Segment) -> Bool {
            kind == other.kind && noiseMultiplier == other.noiseMultiplier && sampleRate == other.sampleRate && epsilon == other.epsilon
        }

        /// Whether this segment spends anything.
        var isActive: Bool { steps > 0 && (kind == .exponential ? (epsilon ?? 0) > 0 : sampleRate > 0) }

        /// zCDP ρ of one run when it has one (the plain Gaussian: 1/2σ²; the exponential: ε²/8).
        public var rho: Double? {
            switch kind {
            case .exponential: return epsilon.map { $0 * $0 / 8 }
            case .sampledGaussian: return sampleRate == 1 ? 1 / (2 * noiseMultiplier * noiseMultiplier) : nil
            }
        }

        enum CodingKeys: String, CodingKey {
            case kind = "mechanism", noiseMultiplier = "noise_multiplier", sampleRate = "sample_rate", epsilon, steps
        }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            kind = try container.decodeIfPresent(Kind.self, forKey: .kind) ?? .sampledGaussian
            steps = try container.decode(Int.self, forKey: .steps)
            switch kind {
            case .sampledGaussian:
                noiseMultiplier = try container.decode(Double.self, forKey: .noiseMultiplier)
                sampleRate = try container.decode(Double.self, forKey: .sampleRate)
                epsilon = nil
            case .exponential:
                noiseMultiplier = 0
                sampleRate = 1
                epsilon = try container.decode(Double.self, forKey: .epsilon)
            }
            guard steps >= 0, noiseMultiplier.isFinite, noiseMultiplier >= 0, sampleRate.isFinite, sampleRate >= 0, sampleRate <= 1,
                  epsilon.map({ $0.isFinite && $0 >= 0 }) ?? true else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                                                        debugDescription: "a privacy event needs steps ≥ 0, σ ≥ 0, q in [0, 1] and a finite ε ≥ 0"))
            }
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(kind, forKey: .kind)
            try container.encode(steps, forKey: .steps)
            switch kind {
            case .sampledGaussian:
                try container.encode(noiseMultiplier, forKey: .noiseMultiplier)
                try container.encode(sampleRate, forKey: .sampleRate)
            case .exponential:
                try container.encode(epsilon ?? 0, forKey: .epsilon)
            }
        }
    }

    public var method: Method
    public private(set) var history: [Segment] = []

    public init(method: Method = .rdp) { self.method = method }

    public mutating func record(noiseMultiplier: Double, sampleRate: Double, steps: Int = 1) {
        record(Segment(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps))
    }

    /// Adds a mechanism's runs; a run of the same mechanism as the last one extends it.
    public mutating func record(_ segment: Segment) {
        if let last = history.last, last.sameMechanism(as: segment) {
            history[history.count - 1].steps += segment.steps
        } else {
            history.append(segment)
        }
    }

    public init(method: Method, history: [Segment]) {
        self.method = method
        history.forEach { record($0) }
    }

    public var steps: Int { history.reduce(0) { $0 + $1.steps } }

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
