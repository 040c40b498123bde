/// The marginal prior as the rest of tablm sees it: AIM run on the public discretisation of the
/// private rows, and pseudo rows drawn from its model. Everything here past `release` is
/// post-processing of the noisy measurements: it costs no privacy, and the trainer reads only the
/// pseudo rows.
public struct MarginalPriorRelease: Sendable {
    public let prior: MarginalPrior
    public let discretization: PublicDiscretization

    /// Runs AIM with budget ρ on `rows` (already fitted to `schema`); the events to charge are
    /// `prior.events`. The workload adds triples with the schema's target column when it names one.
    public static func release<G: RandomNumberGenerator>(rows: [Row], schema: Schema, rho: Double, settings: AIMSettings = AIMSettings(),
                                                         generator: inout G, widen: (Double) -> Double? = { _ in nil },
                                                         progress: (AIMRound) -> Void = { _ in }) throws -> MarginalPriorRelease {
        let discretization = try PublicDiscretization(schema: schema, bins: settings.bins)
        var settings = settings
        if settings.target == nil, let target = schema.target { settings.target = schema.index(of: target) }
        let table = DiscreteTable(rows: rows, discretization: discretization)
        let prior = AIMMechanism.run(table, rho: rho, settings: settings, generator: &generator, widen: widen, progress: progress)
        return MarginalPriorRelease(prior: prior, discretization: discretization)
    }

    /// The number of rows the noisy measurements imply (rounded; at least 1).
    public var noisyRowCount: Int { max(1, Int(prior.model.total.rounded())) }

    /// `count` rows drawn from the fitted model, each value inside its cell at the schema's precision.
    public func pseudoRows<G: RandomNumberGenerator>(count: Int, using generator: inout G) -> [Row] {
        let cells = PseudoRowSampler.sample(prior.model, count: count, using: &generator)
        let width = cells.domain.count
        return cells.cells.withUnsafeBufferPointer { all in
            (0..<count).map { row in discretization.row(cells: UnsafeBufferPointer(rebasing: all[(row * width)..<((row + 1) * width)]), using: &generator) }
        }
    }

    /// The record for the checkpoint, with the fit's joint of the target and each categorical column
    /// (`PriorRecord.released`).
    public func record(share: Double, pseudoRows: Int, steps: Int, schema: Schema) -> PriorRecord {
        var record = PriorRecord(share: share, rho: prior.rho,
                                 measurements: prior.measurements.map { m in .init(columns: m.attributes.map { discretization.names[$0] }, sigma: m.sigma) },
                                 pseudoRows: pseudoRows, steps: steps)
        record.released = targetJoints(schema: schema)
        record.noisyRows = noisyRowCount
        return record
    }

    /// P(column, target) from the fitted model for each categorical column of the schema, the column
    /// first: what the noisy measurements say about each group's rate of the target.
    func targetJoints(schema: Schema) -> [PriorRecord.ReleasedMarginal] {
        guard let name = schema.target, let target = schema.index(of: name), schema.columns[target].kind == .categorical else { return [] }
        return schema.columns.indices.compactMap { c in
            guard c != target, schema.columns[c].kind == .categorical else { return nil }
            let factor = prior.model.project([min(c, target), max(c, target)])
            let sizes = (column: factor.sizes[c < target ? 0 : 1], target: factor.sizes[c < target ? 1 : 0])
            let total = factor.values.reduce(0) { $0 + max($1, 0) }
            guard total > 0 else { return nil }
            var probabilities = [Double](repeating: 0, count: factor.values.count)
            for i in 0..<sizes.column {
                for j in 0..<sizes.target {
                    probabilities[i * sizes.target + j] = max(c < target ? factor.values[i * sizes.target + j] : factor.values[j * sizes.column + i], 0) / total
                }
            }
            return PriorRecord.ReleasedMarginal(columns: [schema.columns[c].name, name], probabilities: probabilities)
        }
    }
}
