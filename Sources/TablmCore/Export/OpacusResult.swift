import Foundation

/// `opacus-record.json`, written by `python/train_opacus.py` beside the trained weights: what the
/// run did (σ, q, steps, δ, C), what it was promised (the target ε), the events before it, and
/// Opacus's own ε for its steps. `tablm import` believes none of the ε figures: it recomputes the
/// composition with tablm's accountant and refuses a record that claims less.
public struct OpacusResult: Codable, Sendable, Equatable {
    public var format: String
    public var version: Int
    public var noiseMultiplier: Double
    public var sampleRate: Double
    public var steps: Int
    public var delta: Double
    public var clipNorm: Double
    public var expectedBatchSize: Int
    public var targetEpsilon: Double
    public var priorEvents: [PrivacyAccountant.Segment]
    public var prior: PriorRecord?
    public var columnOrders: [[String]]?
    public var opacusEpsilon: Double?
    public var schemaEpsilon: Double?
    public var schemaDelta: Double?

    public init(format: String, version: Int, noiseMultiplier: Double, sampleRate: Double, steps: Int, delta: Double, clipNorm: Double,
                expectedBatchSize: Int, targetEpsilon: Double, priorEvents: [PrivacyAccountant.Segment], prior: PriorRecord?,
                columnOrders: [[String]]?, opacusEpsilon: Double?, schemaEpsilon: Double?, schemaDelta: Double?) {
        self.format = format
        self.version = version
        self.noiseMultiplier = noiseMultiplier
        self.sampleRate = sampleRate
        self.steps = steps
        self.delta = delta
        self.clipNorm = clipNorm
        self.expectedBatchSize = expectedBatchSize
        self.targetEpsilon = targetEpsilon
        self.priorEvents = priorEvents
        self.prior = prior
        self.columnOrders = columnOrders
        self.opacusEpsilon = opacusEpsilon
        self.schemaEpsilon = schemaEpsilon
        self.schemaDelta = schemaDelta
    }

    enum CodingKeys: String, CodingKey {
        case format, version, noiseMultiplier = "noise_multiplier", sampleRate = "sample_rate", steps, delta, clipNorm = "clip_norm"
        case expectedBatchSize = "expected_batch_size", targetEpsilon = "target_epsilon", priorEvents = "prior_events", prior
        case columnOrders = "column_orders", opacusEpsilon = "opacus_epsilon", schemaEpsilon = "schema_epsilon", schemaDelta = "schema_delta"
    }

    public static func load(path: String) throws -> OpacusResult {
        guard let data = FileManager.default.contents(atPath: path) else { throw InputError("cannot read the Opacus record", at: SourceLocation(file: path)) }
        try StrictJSON.require(data, path: path)
        let result: OpacusResult
        do {
            result = try JSONDecoder().decode(OpacusResult.self, from: data)
        } catch let error as DecodingError {
            throw SchemaFile.describe(error, in: String(decoding: data, as: UTF8.self), path: path)
        }
        if let problem = result.problem { throw InputError(problem, at: SourceLocation(file: path)) }
        return result
    }

    /// Values no run of the script writes.
    public var problem: String? {
        guard format == "tablm-opacus-result", version == 1 else { return "not a tablm Opacus record of version 1 (format \(quoted: format))" }
        guard noiseMultiplier.isFinite, noiseMultiplier > 0 else { return "noise_multiplier \(noiseMultiplier) is not a finite σ > 0" }
        guard sampleRate > 0, sampleRate <= 1 else { return "sample_rate \(sampleRate) is not in (0, 1]" }
        guard steps > 0 else { return "steps \(steps) is not positive" }
        guard delta > 0, delta < 1 else { return "delta \(delta) is not in (0, 1)" }
        guard clipNorm.isFinite, clipNorm > 0 else { return "clip_norm \(clipNorm) is not a finite C > 0" }
        guard targetEpsilon.isFinite, targetEpsilon > 0 else { return "target_epsilon \(targetEpsilon) is not a finite ε > 0" }
        return nil
    }

    /// The privacy record of the imported checkpoint: every event (the earlier ones, then the
    /// script's DP-SGD steps) composed by tablm's accountant.
    /// - Throws: when the composition exceeds the ε the record claims.
    public func privacyRecord(method: PrivacyAccountant.Method) throws -> PrivacyRecord {
        let schemaCost = schemaEpsilon.map { PrivacyCost(epsilon: $0, delta: schemaDelta ?? 0) }
        var plan = try PrivacyBudgetPlan(method: method, targetEpsilon: targetEpsilon, delta: delta, schemaCost: schemaCost, events: priorEvents)
        plan.record([PrivacyAccountant.Segment(noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, steps: steps)])
        var record = plan.privacyRecord(accountant: plan.accountant, noiseMultiplier: noiseMultiplier, sampleRate: sampleRate, clipNorm: clipNorm)
        record.prior = prior
        guard record.epsilon <= targetEpsilon * (1 + 1e-9) else {
            throw InputError(String(format: "the record claims ε = %.6f, but its events compose to %.6f with tablm's %@ accountant",
                                    targetEpsilon, record.epsilon, method.rawValue.uppercased()))
        }
        return record
    }
}
