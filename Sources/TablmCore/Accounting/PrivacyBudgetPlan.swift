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
    }

    /// The warning a run gives when δ is not below 1/rows (`rows`: a count released with noise or
    /// declared public): such a δ lets a mechanism publish a row outright, whatever ε says.
    public static func deltaWarning(delta: Double, rows: Double) -> String? {
        delta >= 1 / rows ? String(format: "warning: delta %g is not below 1/rows ≈ %.3g; a smaller delta is safer", delta, 1 / rows) : nil
    }

    /// The plan a checkpoint's record describes, with its ε recomputed from the events, before a
    /// report states the record's ε (a record is a file someone hands you: its claim may be less).
    /// - Throws: when the events compose to more than the record claims (at `file`, the record's path).
    public static func verified(record: PrivacyRecord, steps: Int, file: String) throws -> (plan: PrivacyBudgetPlan, epsilon: Double) {
        let plan = try PrivacyBudgetPlan(record: record, steps: steps)
        let epsilon = plan.epsilon()
        guard epsilon <= record.epsilon * (1 + 1e-9) else {
            // Releases before 0.43 composed AIM's rounds by PLD, which does not hold for them.
            let why = plan.accountant.method == .pld && plan.accountant.composesAdaptively
                ? " (RDP's composition: the prior's rounds choose their noise from what they released, and PLD's does not hold for them; docs/privacy.md, \"The prior's rounds\")" : ""
            throw InputError(String(format: "the record claims ε = %.6f but its events compose to %.6f", record.epsilon, epsilon) + why,
                             at: SourceLocation(file: file))
        }
        return (plan, epsilon)
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
        return PrivacyAccountant.calibrate(targetEpsilon: mechanismEpsilon, delta: mechanismDelta, sampleRate: sampleRate, steps: steps,
                                           method: accountant.method, prior: accountant.history)
    }
}

extension PrivacyBudgetPlan {
    /// The record of a run whose accountant (this plan's events, then DP-SGD's steps) is `accountant`.
    public func privacyRecord(accountant: PrivacyAccountant, noiseMultiplier: Double, sampleRate: Double, clipNorm: Double) -> PrivacyRecord {
        var record = PrivacyRecord(epsilon: accountant.epsilon(delta: mechanismDelta) + schemaCost.epsilon, delta: delta,
                                   noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, clipNorm: clipNorm, accountant: accountant.method.rawValue)
        if schemaCost.epsilon > 0 || schemaCost.delta > 0 {
            record.schemaEpsilon = schemaCost.epsilon
            record.schemaDelta = schemaCost.delta
        }
        record.targetEpsilon = targetEpsilon
        record.events = accountant.history
        return record
    }
}
