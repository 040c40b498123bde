/// Tracks the privacy spent by a run of the Poisson-subsampled Gaussian mechanism (DP-SGD steps)
/// and answers ε for a δ. It knows nothing about models: only (noise multiplier, sample rate, steps).
public struct PrivacyAccountant: Codable, Sendable, Equatable {
    public enum Method: String, Codable, Sendable, CaseIterable {
        /// Rényi DP of the sampled Gaussian (Mironov et al. 2019): fast, a valid upper bound.
        case rdp
        /// Privacy loss distributions with connect-the-dots discretisation (Doroshenko et al. 2022):
        /// tighter, slower (an FFT over the loss grid), also a valid upper bound where every
        /// mechanism's parameters were fixed in advance (`composesAdaptively`: else RDP's).
        case pld
    }

    public var method: Method
    public private(set) var history: [PrivacyEvent] = []
    /// The one Rényi order of a filter fixed before any release (nil: none): `epsilon` is then RDP's
    /// conversion at that order alone. A run whose rate, noise or branch follows from what it
    /// released (a noisy row count, AIM's rounds) is a sequence of mechanisms chosen on the way; for
    /// that, Rényi DP holds at an order α fixed in advance when every path's sum at α stays within
    /// the budget (Feldman & Zrnic 2021, "Individual privacy accounting via a Rényi filter", Thm 3.1),
    /// while the minimum over orders of the path that ran bounds only that path: over the rates a
    /// noisy total can give, Adult's ε = 1 plan composed to 1.099 (docs/privacy.md, "A filter at one order").
    public var filterOrder: Double?
    /// RDP at `filterOrder` that the guarantee counts beyond the history's own sum: for a run that
    /// continues a checkpoint past its claim, what the checkpoint's filter budget held over the events
    /// it recorded (its guarantee was the budget, not its path), so the new steps are charged on top
    /// of the whole budget (`PrivacyBudgetPlan.chargePastClaim`).
    public var filterCredit: Double?

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
        if let filterOrder {
            let sum = rdp(order: filterOrder) + (filterCredit ?? 0)
            return sum > 0 ? RDPAccountant.epsilon(rdp: [sum], orders: [filterOrder], delta: delta).epsilon : 0
        }
        guard !history.isEmpty else { return 0 }
        let rdp = RDPAccountant.epsilon(history: history, delta: delta)
        switch method {
        case .rdp: return rdp
        // Both are upper bounds on the same composed mechanism where PLD's holds, so the smaller is one
        // too. PLD is the smaller for DP-SGD.
        case .pld: return composesAdaptively ? rdp : min(PLDAccountant.epsilon(history: history, delta: delta), rdp)
        }
    }

    /// The history's RDP at one order: its events' sum (Mironov 2017, composition).
    public func rdp(order: Double) -> Double {
        history.reduce(0.0) { $0 + Double($1.steps) * RDPAccountant.rdp(of: $1, order: order) }
    }

    /// Whether some mechanism's parameters were chosen from earlier outputs: AIM's rounds, where each
    /// round's noise σ and selection ε, and how many rounds run, follow from what the rounds before
    /// released. PLD composes the trade-off curves of mechanisms whose parameters are fixed in advance;
    /// composing the curves of the ones that ran and stopping at the target is not a valid filter
    /// (Tran, Räisä, Koskela & Honkela 2026, "f-Differential Privacy Filters: Validity and Approximate
    /// Solutions", arXiv 2602.06756), while Rényi DP's is (Feldman & Zrnic 2021, "Individual privacy
    /// accounting via a Rényi filter"): AIM spends its ρ exactly, so its rounds are α·ρ at every order
    /// whatever path they took. The exponential mechanism runs only in AIM's rounds, so a history with
    /// one is composed by RDP alone, under either method, and DP-SGD after it is calibrated so. (DP-SGD's
    /// rate over a released count, and with it σ, is chosen on the way too: a run that does so is
    /// accounted by a filter at one order, `filterOrder`.)
    public var composesAdaptively: Bool {
        history.contains { if case .exponential = $0 { $0.isActive } else { false } }
    }

    /// The accountant whose bound `epsilon` reports, for messages: RDP where PLD's does not hold.
    public var composedBy: Method { composesAdaptively || filterOrder != nil ? .rdp : method }

    /// How `epsilon` composes, for messages: "a Rényi filter at order 18", or "PLD accountant".
    public var compositionName: String {
        filterOrder.map { String(format: "a Rényi filter at order %g", $0) } ?? composedBy.rawValue.uppercased() + " accountant"
    }

    /// The smallest noise multiplier (to 0.1 % relative) whose ε after `steps` steps at rate q, composed
    /// with the mechanisms in `prior` (e.g. a count release), is at most `targetEpsilon`. Found by
    /// bisection on a monotone function; the result is checked, never rounded down.
    public static func calibrate(targetEpsilon: Double, delta: Double, sampleRate: Double, steps: Int, method: Method,
                                 prior: [PrivacyEvent] = []) -> Double? {
        calibrate(targetEpsilon: targetEpsilon, delta: delta, sampleRate: sampleRate, steps: steps, after: PrivacyAccountant(method: method, history: prior))
    }

    /// The same after what `base` holds: its events, and under a filter its order and credit, where ε
    /// is the conversion at that order.
    public static func calibrate(targetEpsilon: Double, delta: Double, sampleRate: Double, steps: Int, after base: PrivacyAccountant) -> Double? {
        guard targetEpsilon > 0, targetEpsilon.isFinite else { return nil }
        // A target that what comes before already passes has no σ: said at once (a count release at
        // σ = 0.1 spends ε = 91.8, and the search took minutes to find none).
        if !base.history.isEmpty, base.epsilon(delta: delta) >= targetEpsilon { return nil }
        func epsilon(_ sigma: Double, _ method: Method) -> Double {
            var accountant = base
            accountant.method = method
            accountant.record(noiseMultiplier: sigma, sampleRate: sampleRate, steps: steps)
            return accountant.epsilon(delta: delta)
        }
        // A target the least σ reaches under RDP needs no search: PLD's answer is never above RDP's (the
        // smaller of the two is reported), and RDP answers at once where PLD's grid is widest.
        if epsilon(noiseMultipliers.lowerBound, .rdp) <= targetEpsilon { return noiseMultipliers.lowerBound }
        return smallestNoise(reaching: targetEpsilon) { epsilon($0, base.method) }
    }

    /// The smallest σ in `noiseMultipliers` (to 0.1 % relative) with `epsilon(σ)` ≤ `target`, for an ε
    /// that falls as σ grows; nil when σ = 8,192 does not reach it (looked at first). The search then
    /// starts at σ = 1 and goes down by halves only as far as it must (never below half the answer, or the least σ
    /// accepted): PLD's loss axis spans about 1/σ², so its cost grows as σ shrinks (σ = 0.1 took 5.4 s
    /// where σ = 1 takes 0.1 s, at q = 0.1 over 8 steps), and every run that calibrated paid for
    /// σ = 0.1 first.
    /// Only `epsilon(σ) <= target` counts as reaching it: a NaN misses.
    static func smallestNoise(reaching target: Double, epsilon: (Double) -> Double) -> Double? {
        func reaches(_ sigma: Double) -> Bool { epsilon(sigma) <= target }
        // A target out of reach is said after one look at the largest σ searched, not after climbing
        // to it (10⁸ steps under PLD: a second or more each σ).
        if !reaches(8192) { return nil }
        var high = 1.0
        var low: Double?   // a σ known to miss the target
        while !reaches(high) {
            low = high
            high *= 2
        }
        var candidate = high / 2
        while low == nil {
            if candidate <= noiseMultipliers.lowerBound {
                // The least noise the accountants answer for: it reaches the target, or it brackets the answer.
                if reaches(noiseMultipliers.lowerBound) { return noiseMultipliers.lowerBound }
                low = noiseMultipliers.lowerBound
            } else if reaches(candidate) {
                high = candidate
                candidate /= 2
            } else {
                low = candidate
            }
        }
        var miss = low!
        while (high - miss) / high > 1e-3 {
            let middle = (miss + high) / 2
            if reaches(middle) { high = middle } else { miss = middle }
        }
        return high
    }
}
