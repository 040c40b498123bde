import Foundation

/// `opacus-record.json`, written by `python/train_opacus.py` beside the trained weights: the
/// bundle's DP-SGD plan as the run carried it out (its q and step count), and Opacus's own ε for
/// its steps. `tablm import` believes none of the ε figures: it recomputes the composition with
/// tablm's accountant and refuses a record that claims less.
public struct OpacusResult: Codable, Sendable, Equatable {
    public var format: String
    public var version: Int
    public var dp: OpacusBundle.DPPlan
    public var columnOrders: [[String]]?
    public var opacusEpsilon: Double?

    public init(dp: OpacusBundle.DPPlan, columnOrders: [[String]]?, opacusEpsilon: Double?) {
        format = "tablm-opacus-result"
        version = 1
        self.dp = dp
        self.columnOrders = columnOrders
        self.opacusEpsilon = opacusEpsilon
    }

    enum CodingKeys: String, CodingKey {
        case format, version, dp, columnOrders = "column_orders", opacusEpsilon = "opacus_epsilon"
    }

    public static func load(path: String) throws -> OpacusResult {
        let data = try InputFile.contents(path, what: "an Opacus record", limit: InputFile.smallFileLimit)
        let result = try SchemaFile.decode(OpacusResult.self, from: data, path: path)
        if let problem = result.problem { throw InputError(problem, at: SourceLocation(file: path)) }
        return result
    }

    /// Values no run of the script writes.
    public var problem: String? {
        guard format == "tablm-opacus-result", version == 1 else { return "not a tablm Opacus record of version 1 (format \(quoted: format))" }
        guard PrivacyAccountant.noiseMultipliers.contains(dp.noiseMultiplier) else { return "dp.noise_multiplier \(dp.noiseMultiplier) is not from 0.1 to 1e6" }
        guard dp.sampleRate > 0, dp.sampleRate <= 1 else { return "dp.sample_rate \(dp.sampleRate) is not in (0, 1]" }
        guard dp.steps > 0, dp.steps <= PrivacyAccountant.maximumSteps else { return "dp.steps \(dp.steps) is not from 1 to \(PrivacyAccountant.maximumSteps)" }
        guard dp.delta > 0, dp.delta < 1 else { return "dp.delta \(dp.delta) is not in (0, 1)" }
        guard dp.clipNorm.isFinite, dp.clipNorm > 0 else { return "dp.clip_norm \(dp.clipNorm) is not a finite C > 0" }
        guard dp.targetEpsilon.isFinite, dp.targetEpsilon > 0 else { return "dp.target_epsilon \(dp.targetEpsilon) is not a finite ε > 0" }
        // The imported checkpoint's training record takes these: a value no record may hold was
        // written, and every later command refused the checkpoint ("batch_size -1 is not positive").
        guard dp.expectedBatchSize >= 1, Double(dp.expectedBatchSize) <= 1e9 else {
            return "dp.expected_batch_size \(dp.expectedBatchSize) is not from 1 to 1e9"
        }
        guard PrivacyAccountant.Method(rawValue: dp.accountant) != nil else {
            return "dp.accountant \(quoted: dp.accountant) is not \(PrivacyAccountant.Method.allCases.map { "\(quoted: $0.rawValue)" }.joined(separator: " or "))"
        }
        if let epsilon = dp.schemaEpsilon, !(epsilon.isFinite && epsilon >= 0) { return "dp.schema_epsilon \(epsilon) is not a finite ε ≥ 0" }
        if let delta = dp.schemaDelta, !(delta >= 0 && delta < 1) { return "dp.schema_delta \(delta) is not in [0, 1)" }
        if let order = dp.filterOrder, !PrivacyBudgetPlan.filterOrders.contains(order) { return "dp.filter_order \(order) is not one of the accountant's integer orders" }
        if let credit = dp.filterCredit, !(credit.isFinite && credit >= 0 && dp.filterOrder != nil) { return "dp.filter_credit \(credit) is not a finite RDP ≥ 0 beside a filter_order" }
        return nil
    }

    /// The privacy record of the imported checkpoint: every event (the earlier ones, then the
    /// script's DP-SGD steps) composed by tablm's accountant.
    /// - Throws: when the composition exceeds the ε the record claims.
    public func privacyRecord(method: PrivacyAccountant.Method) throws -> PrivacyRecord {
        let schemaCost = dp.schemaEpsilon.map { PrivacyCost(epsilon: $0, delta: dp.schemaDelta ?? 0) }
        var plan = try PrivacyBudgetPlan(method: method, targetEpsilon: dp.targetEpsilon, delta: dp.delta, schemaCost: schemaCost, events: dp.priorEvents)
        if let order = dp.filterOrder { plan.useFilter(order: order, credit: dp.filterCredit) }
        plan.record([PrivacyEvent(noiseMultiplier: dp.noiseMultiplier, sampleRate: dp.sampleRate, steps: dp.steps)])
        var record = plan.privacyRecord(accountant: plan.accountant, noiseMultiplier: dp.noiseMultiplier, sampleRate: dp.sampleRate, clipNorm: dp.clipNorm)
        record.prior = dp.prior
        guard record.epsilon <= dp.targetEpsilon * (1 + 1e-9) else {
            throw InputError(String(format: "the record claims ε = %.6f, but its events compose to %.6f with tablm's %@",
                                    dp.targetEpsilon, record.epsilon, plan.accountant.compositionName))
        }
        return record
    }
}
