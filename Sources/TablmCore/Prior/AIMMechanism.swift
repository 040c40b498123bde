import Foundation

/// Settings of the adaptive marginal selection.
public struct AIMSettings: Sendable {
    /// Rounds the initial noise is planned for (AIM: 16 × columns); annealing ends the loop earlier.
    public var plannedRounds: Int?
    /// The model's cells at most (AIM's size cap: 80 MB of doubles there, 10 M cells), reached in
    /// proportion to the budget spent.
    public var maximumModelCells = 2_000_000
    /// The largest cap a user may set: 2^28 cells of doubles is 2 GiB, more than a 2-core machine fits.
    public static let largestModelCells = 1 << 28
    /// Workload: every pair of columns, plus every triple that holds `target` (the column a
    /// downstream model predicts, named by the public schema).
    public var target: Int?
    /// Mirror-descent iterations after each round, and for the final fit.
    public var roundIterations = 60
    public var finalIterations = 400
    /// Bins of a numeric column whose range is too wide for one cell per value (`PublicDiscretization`).
    public var bins = PublicDiscretization.defaultBins
    /// With a `target`, every column's pair with it is measured beside the 1-way marginals, at the
    /// same σ₀, before any round. AIM's rounds pick the largest errors first, and a column whose
    /// tie to the target lives in few rows (Adult's `capital_loss`: 4.7 % of rows, above 50K in 85 %
    /// of those between 1,800 and 2,000) may never be picked: at ε = 10, 21 rounds measured none of
    /// it. The pairs cost d − 1 more releases at σ₀, about 5 % of ρ for AIM's T = 16·d
    /// (docs/marginal-prior.md, "The target's pairs"). A pair that would take the model past
    /// `maximumModelCells` is left to the rounds. Off by default: the prior's own rows gained on
    /// Adult, but the model trained on them did not, and German credit's 700 rows scored lower.
    public var measuresTargetPairs = false

    public init() {}

    /// The noise of the 1-way measurements (and the first rounds) for budget ρ over `columns` columns:
    /// σ₀ = √(T / (2·0.9·ρ)) for the T rounds planned.
    public func initialSigma(rho: Double, columns: Int) -> Double {
        (Double(plannedRounds ?? 16 * columns) / (2 * 0.9 * rho)).squareRoot()
    }
}

/// One round's record, for progress lines and the checkpoint.
public struct AIMRound: Sendable, Equatable {
    public var round: Int
    public var attributes: [Int]
    public var sigma: Double
    public var selectionEpsilon: Double
    public var rhoUsed: Double
    /// The budget the rounds spend to: the ρ given, or the one `widen` raised it to.
    public var rho: Double
    public var modelCells: Int
}

/// The result: the noisy measurements, the fitted model and every mechanism that ran.
public struct MarginalPrior: Sendable {
    public var measurements: [MarginalMeasurement]
    public var model: GraphicalModel
    /// Gaussian releases and exponential-mechanism selections, in order.
    public var events: [PrivacyEvent]
    public var rounds: [AIMRound]
    public var rho: Double
}

/// AIM (McKenna, Mullins, Sheldon & Miklau 2022, "AIM: An Adaptive and Iterative Mechanism for
/// Differentially Private Synthetic Data", Algorithm 1; Private-PGM's `mechanisms/aim.py`) under a
/// zCDP budget ρ fixed in advance:
/// 1. every 1-way marginal is measured with the Gaussian mechanism, σ₀ = √(T / (2·0.9·ρ)), and, with a
///    target, every pair with it (`measuresTargetPairs`; not in AIM);
/// 2. each round picks, by the exponential mechanism (ε = √(8·0.1·ρ/T)), the candidate whose model
///    marginal is furthest from the data's, wᵣ·(‖x − x̂‖₁ − √(2/π)·σ·cells), among the candidates that
///    keep the model under a size cap growing with the budget spent; measures it; refits;
/// 3. when the fit barely moved (‖Δx̂‖₁ ≤ √(2/π)·σ·cells) σ halves and ε doubles;
/// 4. the last round spends exactly what is left, so the total is ρ whatever path the rounds took
///    (a zCDP filter: Feldman & Zrnic 2021).
/// The rows are read only to compute marginals that are released with noise or scored by the
/// exponential mechanism.
public enum AIMMechanism {
    /// What a run of budget ρ over `columns` columns is charged, for a plan made before it runs: the
    /// measurements as one Gaussian release and the selections as one exponential mechanism, at a
    /// round's split (0.9 and 0.1 of ρ). The rounds spend ρ exactly, and RDP, which composes them
    /// (`PrivacyAccountant.composesAdaptively`), charges every path they can take α·ρ at each order,
    /// as it charges these two. A table of one column has no rounds: one Gaussian release of ρ, its
    /// σ fixed in advance, which PLD composes as the run does.
    public static func projectedEvents(rho: Double, columns: Int) -> [PrivacyEvent] {
        guard columns > 1 else { return [.gaussianRelease(noiseMultiplier: (1 / (2 * rho)).squareRoot())] }
        return [.gaussianRelease(noiseMultiplier: (1 / (2 * 0.9 * rho)).squareRoot()), .exponential(epsilon: (8 * 0.1 * rho).squareRoot())]
    }

    /// `widen`, given the noisy total of the 1-way measurements, may raise the budget for the rounds
    /// (a private run whose DP-SGD the table is too small for gives the prior all of ε): a choice
    /// made from released values, within a bound fixed in advance, as the zCDP filter allows.
    public static func run<G: RandomNumberGenerator>(_ table: DiscreteTable, rho: Double, settings: AIMSettings, generator: inout G,
                                                     widen: (Double) -> Double? = { _ in nil },
                                                     progress: (AIMRound) -> Void = { _ in }) -> MarginalPrior {
        precondition(rho > 0)
        var rho = rho
        let domain = table.domain, d = domain.count
        var noise = GaussianSampler(generator: generator)
        defer { generator = noise.generator }
        let candidates = Self.candidates(columns: d, target: settings.target)
        let answers = candidates.map { table.marginal($0.attributes) }
        let plannedRounds = settings.plannedRounds ?? 16 * d
        var sigma = settings.initialSigma(rho: rho, columns: d)
        var epsilon = (8 * 0.1 * rho / Double(plannedRounds)).squareRoot()
        // A table of one column has no marginal to select beyond its 1-way one (the rounds trapped on
        // an empty choice, after the measurement): that measurement takes the whole budget.
        if candidates.isEmpty { sigma = (Double(d) / (2 * rho)).squareRoot() }
        var events: [PrivacyEvent] = [.gaussianRelease(noiseMultiplier: sigma, times: d)]
        var rhoUsed = Double(d) / (2 * sigma * sigma)
        var measurements = (0..<d).map { MarginalMeasurement.release(table, attributes: [$0], sigma: sigma, noise: &noise) }
        let total = MarginalEstimator.total(of: measurements)
        if !candidates.isEmpty, let wider = widen(total), wider > rho {
            rho = wider
            sigma = settings.initialSigma(rho: rho, columns: d)
            epsilon = (8 * 0.1 * rho / Double(plannedRounds)).squareRoot()
        }
        if settings.measuresTargetPairs, let target = settings.target {
            // In column order while the model stays under the size cap: the public domain decides.
            let oneWays = measurements.map(\.attributes)
            var pairs: [[Int]] = []
            for column in 0..<d where column != target {
                let pair = [column, target].sorted()
                let cells = JunctionTree.cellCount(domain: domain, measured: oneWays + pairs + [pair])
                if cells <= settings.maximumModelCells { pairs.append(pair) }
            }
            if !pairs.isEmpty {
                measurements += pairs.map { MarginalMeasurement.release(table, attributes: $0, sigma: sigma, noise: &noise) }
                events.append(.gaussianRelease(noiseMultiplier: sigma, times: pairs.count))
                rhoUsed += Double(pairs.count) / (2 * sigma * sigma)
            }
        }
        precondition(candidates.isEmpty || rhoUsed < rho, "the first measurements need more than ρ: plan more rounds")
        let roundFit = MarginalEstimator(iterations: settings.roundIterations)
        var tree = JunctionTree(domain: domain, measured: measurements.map(\.attributes))
        var model = roundFit.estimate(measurements, tree: tree, total: total).model
        var rounds: [AIMRound] = []
        var finished = candidates.isEmpty
        while !finished {
            if rho - rhoUsed < 2 * (1 / (2 * sigma * sigma) + epsilon * epsilon / 8) {
                let remaining = rho - rhoUsed
                sigma = (1 / (2 * 0.9 * remaining)).squareRoot()
                epsilon = (8 * 0.1 * remaining).squareRoot()
                finished = true
            }
            rhoUsed += 1 / (2 * sigma * sigma) + epsilon * epsilon / 8
            let sizeLimit = Double(settings.maximumModelCells) * min(rhoUsed / rho, 1)
            let measured = measurements.map(\.attributes)
            var eligible: [Int] = []
            for (i, candidate) in candidates.enumerated() {
                if tree.clique(containing: candidate.attributes) != nil
                    || Double(JunctionTree.cellCount(domain: domain, measured: measured + [candidate.attributes])) <= sizeLimit {
                    eligible.append(i)
                }
            }
            let qualities = eligible.map { i -> Double in
                let estimate = model.project(candidates[i].attributes)
                var error = 0.0
                for (x, y) in zip(answers[i].values, estimate.values) { error += abs(x - y) }
                return candidates[i].weight * (error - (2 / Double.pi).squareRoot() * sigma * Double(answers[i].count))
            }
            let sensitivity = eligible.map { candidates[$0].weight }.max()!
            let chosen = candidates[eligible[ExponentialMechanism.select(qualities: qualities, epsilon: epsilon, sensitivity: sensitivity,
                                                                          using: &noise.generator)]]
            events.append(.exponential(epsilon: epsilon))
            let measurement = MarginalMeasurement.release(table, attributes: chosen.attributes, sigma: sigma, noise: &noise)
            events.append(.gaussianRelease(noiseMultiplier: sigma))
            measurements.append(measurement)
            let before = model.project(chosen.attributes)
            tree = JunctionTree(domain: domain, measured: measurements.map(\.attributes))
            model = roundFit.estimate(measurements, tree: tree, total: total, start: MarginalEstimator.carry(model, to: tree)).model
            let after = model.project(chosen.attributes)
            var moved = 0.0
            for (x, y) in zip(before.values, after.values) { moved += abs(x - y) }
            let round = AIMRound(round: rounds.count + 1, attributes: chosen.attributes, sigma: sigma, selectionEpsilon: epsilon,
                                 rhoUsed: rhoUsed, rho: rho, modelCells: tree.cellCount)
            rounds.append(round)
            progress(round)
            if moved <= (2 / Double.pi).squareRoot() * sigma * Double(measurement.noisy.count) {
                sigma /= 2
                epsilon *= 2
            }
        }
        model = MarginalEstimator(iterations: settings.finalIterations)
            .estimate(measurements, tree: tree, total: total, start: model.potentials).model
        return MarginalPrior(measurements: measurements, model: model, events: events, rounds: rounds, rho: rho)
    }

    /// The workload's downward closure with AIM's weights: candidate r weighs Σ_{w ∈ W} |r ∩ w|.
    static func candidates(columns d: Int, target: Int?) -> [(attributes: [Int], weight: Double)] {
        var workload: [[Int]] = []
        for a in 0..<d { for b in (a + 1)..<d { workload.append([a, b]) } }
        if let target {
            for a in 0..<d where a != target {
                for b in (a + 1)..<d where b != target { workload.append([a, b, target].sorted()) }
            }
        }
        var closure: [[Int]] = []
        var seen = Set<[Int]>()
        for w in workload {
            for mask in 1..<(1 << w.count) {
                let subset = w.indices.filter { mask & (1 << $0) != 0 }.map { w[$0] }
                if seen.insert(subset).inserted { closure.append(subset) }
            }
        }
        return closure.map { r in (r, Double(workload.reduce(0) { $0 + Set($1).intersection(r).count })) }
    }
}
