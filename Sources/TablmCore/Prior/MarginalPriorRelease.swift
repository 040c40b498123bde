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
                                                         generator: inout G, progress: (AIMRound) -> Void = { _ in }) throws -> MarginalPriorRelease {
        let discretization = try PublicDiscretization(schema: schema)
        var settings = settings
        if settings.target == nil, let target = schema.target { settings.target = schema.index(of: target) }
        let table = DiscreteTable(rows: rows, discretization: discretization)
        let prior = AIMMechanism.run(table, rho: rho, settings: settings, generator: &generator, progress: progress)
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

    /// The record for the checkpoint.
    public func record(share: Double, pseudoRows: Int, steps: Int) -> PriorRecord {
        PriorRecord(share: share, rho: prior.rho,
                    measurements: prior.measurements.map { m in .init(columns: m.attributes.map { discretization.names[$0] }, sigma: m.sigma) },
                    pseudoRows: pseudoRows, steps: steps)
    }
}
