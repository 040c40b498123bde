/// One mechanism the accountant composes, run `steps` times with the same parameters: the privacy
/// ledger's only entry type, as dp_accounting's `DpEvent` is (Google's dp_accounting: a tree of
/// events an accountant reads; tablm's runs need only a flat list of these). Every release of a
/// private run is one of them, and `training.json` records them all.
public enum PrivacyEvent: Sendable, Hashable {
    /// The Poisson-subsampled Gaussian mechanism with sensitivity 1, noise multiplier σ and rate q
    /// (DP-SGD's steps); q = 1 is the plain Gaussian mechanism (a count or a marginal released once).
    case sampledGaussian(noiseMultiplier: Double, sampleRate: Double, steps: Int)
    /// The exponential mechanism with scores of sensitivity Δ drawn ∝ exp(ε·score / 2Δ) (McSherry &
    /// Talwar 2007): ε-DP and ε-bounded-range, hence ε²/8-zCDP (Cesar & Rogers 2021, Lemma 3.2). PLD
    /// charges it as ε-DP (randomized response, the pure-DP dominating pair), RDP as ε²/8-zCDP.
    case exponential(epsilon: Double, times: Int = 1)

    /// `steps` steps of DP-SGD at noise multiplier σ and rate q.
    public init(noiseMultiplier: Double, sampleRate: Double, steps: Int) {
        self = .sampledGaussian(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps)
    }

    /// One release by the Gaussian mechanism of a sensitivity-1 query (a count) with noise σ: the
    /// sampled Gaussian at rate 1, `times` times.
    public static func gaussianRelease(noiseMultiplier: Double, times: Int = 1) -> PrivacyEvent {
        .sampledGaussian(noiseMultiplier: noiseMultiplier, sampleRate: 1, steps: times)
    }

    /// Whether this is the plain Gaussian mechanism (rate 1), as `gaussianRelease` makes it.
    var isGaussianRelease: Bool { if case .sampledGaussian(_, 1, _) = self { true } else { false } }

    /// How many times the mechanism ran.
    public var steps: Int {
        get {
            switch self {
            case .sampledGaussian(_, _, let steps): return steps
            case .exponential(_, let times): return times
            }
        }
        set {
            switch self {
            case .sampledGaussian(let sigma, let q, _): self = .sampledGaussian(noiseMultiplier: sigma, sampleRate: q, steps: newValue)
            case .exponential(let epsilon, _): self = .exponential(epsilon: epsilon, times: newValue)
            }
        }
    }

    /// The same mechanism with the same parameters (so the counts can be added).
    func sameMechanism(as other: PrivacyEvent) -> Bool {
        var other = other
        other.steps = steps
        return self == other
    }

    /// Whether this event spends anything.
    var isActive: Bool {
        switch self {
        case .sampledGaussian(_, let q, let steps): return steps > 0 && q > 0
        case .exponential(let epsilon, let times): return times > 0 && epsilon > 0
        }
    }

    /// The smallest σ of a release at q = 1 the accountants take: a run's one Gaussian can spend at
    /// most its whole ρ, and at the largest ε (10,000) that is σ ≈ 0.007; far below, 1/σ² overflows
    /// the accountants' sums (a record is a file someone hands you: σ = 1e-300 trapped).
    static let smallestReleaseNoise = 1e-4

    /// Whether the accountants answer for the event in bounded time and finite arithmetic: a sampled
    /// event's σ as `PrivacyAccountant.noiseMultipliers` says, a release's σ from
    /// `smallestReleaseNoise`, an exponential mechanism's ε up to the largest ε a run may ask for.
    var accountable: Bool {
        switch self {
        case .sampledGaussian(let sigma, let q, _):
            guard q.isFinite, q >= 0, q <= 1, sigma.isFinite, sigma >= 0 else { return false }
            return q == 1 ? sigma == 0 || sigma >= Self.smallestReleaseNoise : PrivacyAccountant.accepts(noiseMultiplier: sigma)
        case .exponential(let epsilon, _):
            return epsilon.isFinite && epsilon >= 0 && epsilon <= PrivacyBudgetPlan.largestEpsilon
        }
    }

    /// zCDP ρ of one run when it has one (the plain Gaussian: 1/2σ²; the exponential: ε²/8).
    public var rho: Double? {
        switch self {
        case .exponential(let epsilon, _): return epsilon * epsilon / 8
        case .sampledGaussian(let sigma, let q, _): return q == 1 ? 1 / (2 * sigma * sigma) : nil
        }
    }
}

extension PrivacyEvent: Codable {
    enum CodingKeys: String, CodingKey {
        case mechanism, noiseMultiplier = "noise_multiplier", sampleRate = "sample_rate", epsilon, steps
    }

    private enum Kind: String, Codable {
        case sampledGaussian = "sampled_gaussian", exponential
    }

    /// Records written before the exponential mechanism was an event have no "mechanism": a sampled Gaussian.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decodeIfPresent(Kind.self, forKey: .mechanism) ?? .sampledGaussian
        let steps = try container.decode(Int.self, forKey: .steps)
        switch kind {
        case .sampledGaussian:
            self = .sampledGaussian(noiseMultiplier: try container.decode(Double.self, forKey: .noiseMultiplier),
                                    sampleRate: try container.decode(Double.self, forKey: .sampleRate), steps: steps)
        case .exponential:
            self = .exponential(epsilon: try container.decode(Double.self, forKey: .epsilon), times: steps)
        }
        guard steps >= 0, steps <= PrivacyAccountant.maximumSteps, accountable else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "a privacy event needs 0 to \(PrivacyAccountant.maximumSteps) steps, q in [0, 1], σ 0 or from 0.1 to 1e6 when sampled (from 1e-4 when q = 1), and ε from 0 to \(Int(PrivacyBudgetPlan.largestEpsilon))"))
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .sampledGaussian(let sigma, let q, let steps):
            try container.encode(Kind.sampledGaussian, forKey: .mechanism)
            try container.encode(steps, forKey: .steps)
            try container.encode(sigma, forKey: .noiseMultiplier)
            try container.encode(q, forKey: .sampleRate)
        case .exponential(let epsilon, let times):
            try container.encode(Kind.exponential, forKey: .mechanism)
            try container.encode(times, forKey: .steps)
            try container.encode(epsilon, forKey: .epsilon)
        }
    }
}
