import Foundation

/// One private run's budget: the components that spend it, each an event of one accountant, and the
/// record that reproduces the total. The components, in the order they run:
/// 1. a schema estimated under DP (`"source": "dp"`): its (ε, δ), composed basically;
/// 2. the group counts of `--balance-groups`: one Gaussian release;
/// 3. the marginal prior: its measurements (Gaussian releases) and selections (exponential mechanisms);
/// 4. DP-SGD: (σ, q, steps) of the Poisson-subsampled Gaussian, σ calibrated so that the total of all
///    the accountant's events ends at or below the target.
public struct PrivacyBudgetPlan: Sendable {
    public let targetEpsilon: Double?
    /// The largest ε a run or a prior is asked for: beyond it there is no privacy to speak of, and the
    /// ρ conversion's search overflows (`prior --epsilon 1e300` trapped).
    public static let largestEpsilon = 10_000.0
    public let delta: Double
    public let schemaCost: PrivacyCost
    public private(set) var accountant: PrivacyAccountant

    /// - Throws: when the schema's estimation used up δ or ε.
    public init(method: PrivacyAccountant.Method, targetEpsilon: Double?, delta: Double, schemaCost: PrivacyCost?,
                events: [PrivacyEvent] = []) throws {
        let schemaCost = schemaCost ?? PrivacyCost(epsilon: 0, delta: 0)
        guard delta > schemaCost.delta else {
            throw InputError("--delta \(delta) is used up by the schema's estimation (delta \(schemaCost.delta)); raise --delta")
        }
        if let targetEpsilon, targetEpsilon <= schemaCost.epsilon {
            throw InputError("--epsilon \(targetEpsilon) is used up by the schema's estimation (epsilon \(schemaCost.epsilon)); raise --epsilon")
        }
        self.targetEpsilon = targetEpsilon
        self.delta = delta
        self.schemaCost = schemaCost
        accountant = PrivacyAccountant(method: method, history: events)
    }

    /// The plan a checkpoint's record describes (for `--resume` and `privacy epsilon --checkpoint`).
    public init(record: PrivacyRecord, steps: Int) throws {
        guard let method = PrivacyAccountant.Method(rawValue: record.accountant) else {
            throw InputError("the privacy record names an unknown accountant \(quoted: record.accountant) (expected pld or rdp)")
        }
        try self.init(method: method, targetEpsilon: record.targetEpsilon, delta: record.delta,
                      schemaCost: record.schemaEpsilon.map { PrivacyCost(epsilon: $0, delta: record.schemaDelta ?? 0) },
                      events: record.events(steps: steps))
        // A continuation within the record's claim goes on as the same filter (Feldman & Zrnic's
        // filter lets every later choice be adaptive while each path stays within the budget).
        accountant.filterOrder = record.filterOrder
        filterClaim = record.filterOrder == nil ? nil : record.epsilon
    }

    // MARK: A filter at one order

    /// Under a filter read back from a record: the ε it claims, below which no later record of the
    /// same run may go (nil: a fresh run's, or no filter).
    public private(set) var filterClaim: Double?

    /// Charges what comes next on top of the whole budget the record's claim stands for, not on
    /// what its own path spent of it: for a continuation past that claim (a larger `--epsilon`, or σ
    /// for more steps than the budget holds), whose budget is a choice made after seeing the run.
    public mutating func chargePastClaim() {
        guard let order = accountant.filterOrder, let claim = filterClaim else { return }
        accountant.filterCredit = max(0, Self.rdpBudget(epsilon: claim - schemaCost.epsilon, delta: mechanismDelta, order: order) - accountant.rdp(order: order))
    }

    /// Whether a run's choices follow from what it released, so that its budget is a filter at one
    /// order (`useFilter`): DP-SGD's rate over a released count (the prior's noisy total, the
    /// balanced groups' counts, a count of its own) and σ calibrated at it, and with a prior whether
    /// DP-SGD runs, decided on that count. Over a count declared public (`--rows N`, without
    /// `--balance-groups`) nothing is chosen on the way (AIM's rounds spend α·ρ on every path), nor
    /// without DP-SGD steps (`--steps 0`); a run given σ has no budget to filter.
    public static func choosesOnReleases(targetEpsilon: Double?, publicRows: Bool, balanceGroups: Bool, steps: Int? = nil) -> Bool {
        targetEpsilon != nil && steps != 0 && (!publicRows || balanceGroups)
    }

    /// The filter's order for a budget of ε at δ: the order at which the Gaussian that spends all of
    /// it converts best (the zCDP ρ of `rho(epsilon:delta:)`). Fixed by ε and δ alone, before any
    /// row is read, as a filter's order must be; a prior that takes the whole budget spends it with
    /// nothing lost, and DP-SGD after a prior is calibrated at it (on Adult at ε = 1 σ 1.35 against
    /// 1.16 at the order its own path would pick, docs/privacy.md).
    /// Integer orders only: the sampled Gaussian's RDP there is a finite sum (Mironov, Talwar & Zhang
    /// 2019), where a fractional order's series can fail to converge near q = 1/2, and with one
    /// order there is no other to fall back on.
    public static func filterOrder(epsilon: Double, delta: Double) -> Double {
        let rho = rho(epsilon: epsilon, delta: delta)
        return RDPAccountant.epsilon(rdp: filterOrders.map { $0 * rho }, orders: filterOrders, delta: delta).order
    }

    /// The orders a filter may be at (records and Opacus results are checked against them).
    public static let filterOrders = RDPAccountant.defaultOrders.filter { $0 == $0.rounded() }

    /// Accounts the run by a filter at `filterOrder(epsilon:delta:)` of the mechanisms' budget, before
    /// any release: `epsilon` is then the conversion at that order, σ is calibrated at it, and the
    /// record claims the target (what every path the run could have taken stays within).
    /// `order` and `credit`, when given, continue a filter begun by the run whose checkpoint this one
    /// extends (`PrivacyAccountant.filterCredit`).
    public mutating func useFilter(order: Double? = nil, credit: Double? = nil) {
        guard let mechanismEpsilon else { return }
        accountant.filterOrder = order ?? Self.filterOrder(epsilon: mechanismEpsilon, delta: mechanismDelta)
        accountant.filterCredit = credit
    }

    /// RDP at `order` that converts to exactly ε at δ (Balle et al. 2020, Theorem 21, solved for the RDP).
    static func rdpBudget(epsilon: Double, delta: Double, order alpha: Double) -> Double {
        epsilon - log((alpha - 1) / alpha) + (log(delta) + log(alpha)) / (alpha - 1)
    }

    /// The warning a run gives when δ is not below 1/rows (`rows`: a count released with noise or
    /// declared public): such a δ lets a mechanism publish a row outright, whatever ε says.
    public static func deltaWarning(delta: Double, rows: Double) -> String? {
        delta >= 1 / rows ? String(format: "warning: delta %g is not below 1/rows ≈ %.3g; a smaller delta is safer", delta, 1 / rows) : nil
    }

    /// The plan a checkpoint's record describes, with its ε recomputed from the events, before a
    /// report states the record's ε (a record is a file someone hands you: its claim may be less).
    /// `epsilon` is the guarantee: the events' composition, or under a filter the record's claim, its
    /// budget, which every path stays within (`composed` is then what the events compose to at the
    /// filter's order).
    /// - Throws: when the events compose to more than the record claims (at `file`, the record's path).
    public static func verified(record: PrivacyRecord, steps: Int, file: String) throws -> (plan: PrivacyBudgetPlan, epsilon: Double, composed: Double) {
        let plan = try PrivacyBudgetPlan(record: record, steps: steps)
        if plan.accountant.filterOrder != nil, let target = record.targetEpsilon, record.epsilon < target * (1 - 1e-9) {
            throw InputError(String(format: "the record claims ε = %.6f, below its filter's target %.6f", record.epsilon, target), at: SourceLocation(file: file))
        }
        let composed = plan.epsilon()
        guard composed <= record.epsilon * (1 + 1e-9) else {
            let why: String
            if let order = plan.accountant.filterOrder {
                why = String(format: " at the order of its filter, %g (docs/privacy.md, \"A filter at one order\")", order)
            } else if plan.accountant.method == .pld && plan.accountant.composesAdaptively {
                // Releases before 0.43 composed AIM's rounds by PLD, which does not hold for them.
                why = " (RDP's composition: the prior's rounds choose their noise from what they released, and PLD's does not hold for them; docs/privacy.md, \"The prior's rounds\")"
            } else {
                why = ""
            }
            throw InputError(String(format: "the record claims ε = %.6f but its events compose to %.6f", record.epsilon, composed) + why,
                             at: SourceLocation(file: file))
        }
        // Under a filter the record claims the budget (and what a resumed run added on top), at least
        // the events' composition, which is all a reader can check.
        return (plan, plan.accountant.filterOrder != nil ? record.epsilon : composed, composed)
    }

    /// δ left to the accountant's mechanisms once the schema's share is taken.
    public var mechanismDelta: Double { delta - schemaCost.delta }

    /// The target for the accountant's mechanisms.
    public var mechanismEpsilon: Double? { targetEpsilon.map { $0 - schemaCost.epsilon } }

    public mutating func record(_ events: [PrivacyEvent]) { events.forEach { accountant.record($0) } }

    /// ε of everything recorded, plus `more`, schema included.
    public func epsilon(adding more: [PrivacyEvent] = []) -> Double {
        var accountant = accountant
        more.forEach { accountant.record($0) }
        return accountant.epsilon(delta: mechanismDelta) + schemaCost.epsilon
    }

    /// The zCDP budget ρ of a component that alone should cost `share` of the mechanisms' ε: the ρ
    /// whose (ε, δ) conversion (Balle et al. 2020, at the RDP accountant's orders) is share·ε.
    /// After events already recorded (a balanced run's group counts are released before the prior)
    /// it is at most what they leave of ε: the ρ of all of ε on its own, on top of them, spent
    /// 1.0225 of 1, and 0.75 of ε on its own 1.09 where DP-SGD then had nothing left. Nil when
    /// nothing is left.
    public func rho(share: Double) -> Double? {
        guard let mechanismEpsilon, share > 0 else { return nil }
        let alone = Self.rho(epsilon: share * mechanismEpsilon, delta: mechanismDelta)
        if let order = accountant.filterOrder {
            // What the filter's budget at its order leaves: the Gaussian's RDP there is α·ρ.
            let left = (Self.rdpBudget(epsilon: mechanismEpsilon, delta: mechanismDelta, order: order) - accountant.rdp(order: order)) / order
            // With nothing released yet, a budget no ρ reaches is the prior's to refuse, as without the filter.
            guard !accountant.history.isEmpty else { return max(min(alone, left), 0) }
            return left > 0 ? min(alone, left) : nil
        }
        guard !accountant.history.isEmpty else { return alone }
        let left = Self.rho(epsilon: mechanismEpsilon, delta: mechanismDelta, after: accountant.history)
        return left > 0 ? min(alone, left) : nil
    }

    /// The ρ-zCDP whose Gaussian, composed with `after` by RDP (a bound on what the run's accountant
    /// then reports, AIM's pieces being ρ-zCDP in total), converts to (ε, δ): bisection on the
    /// Gaussian mechanism, whose RDP is α·ρ. 0 when `after` alone spends ε.
    public static func rho(epsilon: Double, delta: Double, after: [PrivacyEvent] = []) -> Double {
        func converted(_ rho: Double) -> Double {
            RDPAccountant.epsilon(history: after + [.gaussianRelease(noiseMultiplier: (1 / (2 * rho)).squareRoot())], delta: delta)
        }
        if !after.isEmpty, RDPAccountant.epsilon(history: after, delta: delta) >= epsilon { return 0 }
        var low = 0.0, high = 1.0
        while converted(high) < epsilon { high *= 2 }
        for _ in 0..<60 {
            let middle = (low + high) / 2
            if converted(middle) <= epsilon { low = middle } else { high = middle }
        }
        return low
    }

    /// DP-SGD's noise multiplier for `steps` steps at rate q so the total ends at or below the target.
    public func calibrateTraining(sampleRate: Double, steps: Int) -> Double? {
        guard let mechanismEpsilon else { return nil }
        return PrivacyAccountant.calibrate(targetEpsilon: mechanismEpsilon, delta: mechanismDelta, sampleRate: sampleRate, steps: steps, after: accountant)
    }
}

extension PrivacyBudgetPlan {
    /// The ε a record claims for events that compose to `composed`: that, and under a filter at least
    /// the target and a record's earlier claim: the guarantee is what every path the run could have
    /// taken stays within, not what this path's releases sum to.
    private func guarantee(composed: Double, filtered: Bool) -> Double {
        filtered ? max(composed, targetEpsilon ?? 0, filterClaim ?? 0) : composed
    }

    /// The ε a record of this plan's events and `more` would claim.
    public func guarantee(adding more: [PrivacyEvent]) -> Double {
        guarantee(composed: epsilon(adding: more), filtered: accountant.filterOrder != nil)
    }

    /// The record of a run whose accountant (this plan's events, then DP-SGD's steps) is `accountant`.
    public func privacyRecord(accountant: PrivacyAccountant, noiseMultiplier: Double, sampleRate: Double, clipNorm: Double) -> PrivacyRecord {
        var record = PrivacyRecord(epsilon: guarantee(composed: accountant.epsilon(delta: mechanismDelta) + schemaCost.epsilon, filtered: accountant.filterOrder != nil),
                                   delta: delta,
                                   noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, clipNorm: clipNorm, accountant: accountant.method.rawValue)
        if schemaCost.epsilon > 0 || schemaCost.delta > 0 {
            record.schemaEpsilon = schemaCost.epsilon
            record.schemaDelta = schemaCost.delta
        }
        record.targetEpsilon = targetEpsilon
        record.events = accountant.history
        record.filterOrder = accountant.filterOrder
        return record
    }
}
