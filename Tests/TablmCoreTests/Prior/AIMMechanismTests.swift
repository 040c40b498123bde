import XCTest
@testable import TablmCore

final class AIMMechanismTests: XCTestCase {
    /// AIM spends exactly its budget: the zCDP of its events (1/2σ² per Gaussian release, ε²/8 per
    /// selection) adds up to ρ, whatever path the rounds took; every round's marginal is measured and
    /// the model stays under the size cap.
    func testSpendsExactlyTheBudget() {
        let table = ChainTable.sample(rows: 3000, seed: 21)
        var settings = AIMSettings()
        settings.plannedRounds = 12
        settings.maximumModelCells = 30
        settings.target = 2
        var generator = ChaCha20Generator(insecureSeed: 4)
        let prior = AIMMechanism.run(table, rho: 0.05, settings: settings, generator: &generator)
        let spent = prior.events.reduce(0.0) { $0 + Double($1.steps) * $1.rho! }
        XCTAssertEqual(spent, 0.05, accuracy: 1e-12)
        XCTAssertEqual(prior.events.filter { if case .exponential = $0 { true } else { false } }.count, prior.rounds.count)
        XCTAssertEqual(prior.measurements.count, 3 + prior.rounds.count)
        XCTAssertLessThanOrEqual(prior.model.tree.cellCount, 30)
        XCTAssertGreaterThan(prior.rounds.count, 0)
        // The fit has learnt the dependence of the chain: B's marginal given A is far from uniform.
        let ab = prior.model.project([0, 1])
        XCTAssertGreaterThan(ab.values[0] / (ab.values[0] + ab.values[1] + ab.values[2] + ab.values[3]), 0.5)

        // Widened after the 1-way measurements (told their noisy total, about the 3,000 rows), the
        // rounds spend the larger budget: the events add up to it, the 1-ways at the first budget's σ.
        var seen: Double?
        var widenedGenerator = ChaCha20Generator(insecureSeed: 4)
        let widened = AIMMechanism.run(table, rho: 0.05, settings: settings, generator: &widenedGenerator, widen: { total in
            seen = total
            return 0.2
        })
        XCTAssertEqual(try XCTUnwrap(seen), 3000, accuracy: 300)
        XCTAssertEqual(widened.events.reduce(0.0) { $0 + Double($1.steps) * $1.rho! }, 0.2, accuracy: 1e-12)
        XCTAssertEqual(widened.rho, 0.2)
        XCTAssertEqual(widened.measurements[0].sigma, prior.measurements[0].sigma)
        XCTAssertLessThan(widened.measurements[3].sigma, prior.measurements[3].sigma, "the rounds measure with less noise")
    }

    /// A table of one column: no round has a marginal to choose (they trapped on the empty choice,
    /// after the 1-way measurement), so that measurement takes all of ρ: σ = √(1 / 2ρ).
    func testATableOfOneColumnSpendsItAllOnItsMarginal() {
        let table = DiscreteTable(domain: [3], cells: (0..<600).map { Int32($0 % 3) })
        var generator = ChaCha20Generator(insecureSeed: 5)
        let prior = AIMMechanism.run(table, rho: 0.05, settings: AIMSettings(), generator: &generator, widen: { _ in 1 })
        XCTAssertTrue(prior.rounds.isEmpty)
        XCTAssertEqual(prior.measurements.count, 1)
        XCTAssertEqual(prior.measurements[0].sigma, (1 / (2 * 0.05)).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(prior.events.reduce(0.0) { $0 + Double($1.steps) * $1.rho! }, 0.05, accuracy: 1e-12)
        XCTAssertEqual(prior.model.project([0]).values.reduce(0, +), 600, accuracy: 100)
        // Its one release's σ was fixed in advance, so PLD composes it; the plan projects it so (it
        // projected a selection too, and RDP's larger figure: 1.3085 against 1.1994).
        let run = PrivacyAccountant(method: .pld, history: prior.events), projected = PrivacyAccountant(method: .pld, history: AIMMechanism.projectedEvents(rho: 0.05, columns: 1))
        XCTAssertFalse(run.composesAdaptively)
        XCTAssertEqual(projected.epsilon(delta: 1e-5), run.epsilon(delta: 1e-5), accuracy: 1e-9)
        XCTAssertLessThan(run.epsilon(delta: 1e-5), RDPAccountant.epsilon(history: prior.events, delta: 1e-5))
    }

    /// A plan's projection of a table of several columns is charged RDP's α·ρ, as every path of the
    /// rounds is: the same ε as a run's events (`testSpendsExactlyTheBudget`'s table).
    func testTheProjectionIsChargedAsTheRoundsAre() {
        var settings = AIMSettings()
        settings.plannedRounds = 12
        settings.maximumModelCells = 30
        settings.target = 2
        var generator = ChaCha20Generator(insecureSeed: 4)
        let prior = AIMMechanism.run(ChainTable.sample(rows: 3000, seed: 21), rho: 0.05, settings: settings, generator: &generator)
        let run = PrivacyAccountant(method: .pld, history: prior.events)
        let projected = PrivacyAccountant(method: .pld, history: AIMMechanism.projectedEvents(rho: 0.05, columns: 3))
        XCTAssertTrue(run.composesAdaptively)
        XCTAssertTrue(projected.composesAdaptively)
        XCTAssertEqual(projected.epsilon(delta: 1e-5), run.epsilon(delta: 1e-5), accuracy: 1e-9)
        // ρ-zCDP is α·ρ at every order, the RDP of one Gaussian release of σ = √(1 / 2ρ).
        XCTAssertEqual(run.epsilon(delta: 1e-5), RDPAccountant.epsilon(history: [.gaussianRelease(noiseMultiplier: (1 / (2 * 0.05)).squareRoot())], delta: 1e-5), accuracy: 1e-9)
        // An exponential mechanism that never ran is not a round.
        XCTAssertFalse(PrivacyAccountant(method: .pld, history: [.gaussianRelease(noiseMultiplier: 3), .exponential(epsilon: 0.1, times: 0)]).composesAdaptively)
    }

    /// Every column's pair with the target is measured before any round, at σ₀ = √(T / (2·0.9·ρ)),
    /// as one accounted event, and the budget still adds up to ρ. On a table where a rare column
    /// decides the target (R = 1 in 3 % of rows, the target then 1 in 95 %, against 10 % elsewhere),
    /// the model then holds that tie. Without the setting (the default) the rounds follow the 1-ways at once.
    func testMeasuresEveryColumnsPairWithTheTarget() throws {
        var generator = SplitMix64(seed: 8)
        var cells: [Int32] = []
        for _ in 0..<20_000 {
            let x = Int32.random(in: 0..<12, using: &generator)
            let y = Double.random(in: 0..<1, using: &generator) < 0.9 ? x : Int32.random(in: 0..<12, using: &generator)
            let rare: Int32 = Double.random(in: 0..<1, using: &generator) < 0.03 ? 1 : 0
            let target: Int32 = Double.random(in: 0..<1, using: &generator) < (rare == 1 ? 0.95 : 0.1) ? 1 : 0
            cells += [x, y, rare, target]
        }
        let table = DiscreteTable(domain: [12, 12, 2, 2], cells: cells)
        var settings = AIMSettings()
        settings.target = 3
        settings.plannedRounds = 16
        settings.measuresTargetPairs = true
        var seeded = ChaCha20Generator(insecureSeed: 11)
        let prior = AIMMechanism.run(table, rho: 0.5, settings: settings, generator: &seeded)
        let sigma0 = (16 / (2 * 0.9 * 0.5)).squareRoot()
        XCTAssertEqual(prior.measurements.prefix(7).map(\.attributes), [[0], [1], [2], [3], [0, 3], [1, 3], [2, 3]])
        for measurement in prior.measurements.prefix(7) { XCTAssertEqual(measurement.sigma, sigma0, accuracy: 1e-12) }
        XCTAssertEqual(prior.events[1], .gaussianRelease(noiseMultiplier: sigma0, times: 3))
        XCTAssertEqual(prior.measurements.count, 7 + prior.rounds.count)
        XCTAssertEqual(prior.events.reduce(0.0) { $0 + Double($1.steps) * $1.rho! }, 0.5, accuracy: 1e-12)
        let joint = prior.model.project([2, 3]).values   // (rare, target): cells 2 and 3 hold rare = 1
        XCTAssertEqual(joint[3] / (joint[2] + joint[3]), 0.95, accuracy: 0.05)

        // Under a cap of 50 cells the pairs go in column order while the tree fits: {0, 3} and {1, 3}
        // (24 + 24 + 2 cells) fit, {2, 3} (52) does not.
        settings.maximumModelCells = 50
        var capped = ChaCha20Generator(insecureSeed: 11)
        let underCap = AIMMechanism.run(table, rho: 0.5, settings: settings, generator: &capped)
        XCTAssertEqual(underCap.measurements.prefix(6).map(\.attributes), [[0], [1], [2], [3], [0, 3], [1, 3]])
        XCTAssertEqual(underCap.events[1], .gaussianRelease(noiseMultiplier: sigma0, times: 2))
        XCTAssertLessThanOrEqual(underCap.model.tree.cellCount, 50)

        settings = AIMSettings()
        settings.target = 3
        settings.plannedRounds = 16
        var unpaired = ChaCha20Generator(insecureSeed: 11)
        let without = AIMMechanism.run(table, rho: 0.5, settings: settings, generator: &unpaired)
        XCTAssertEqual(without.measurements.count, 4 + without.rounds.count)
        XCTAssertEqual(without.measurements[4].attributes, without.rounds[0].attributes)
        XCTAssertEqual(without.events.reduce(0.0) { $0 + Double($1.steps) * $1.rho! }, 0.5, accuracy: 1e-12)
    }

    /// The workload's closure and AIM's weights: on 3 columns with target 2, the triple weighs 3
    /// (itself) + 2 + 2 + 2 (the pairs), a pair with the target 2 + 2 + 1 + 1...
    func testCandidateWeights() {
        let candidates = AIMMechanism.candidates(columns: 3, target: 2)
        let weights = Dictionary(uniqueKeysWithValues: candidates.map { ($0.attributes, $0.weight) })
        // Workload: {0,1}, {0,2}, {1,2}, {0,1,2}.
        XCTAssertEqual(weights[[0, 1, 2]], 2 + 2 + 2 + 3)
        XCTAssertEqual(weights[[0, 1]], 2 + 1 + 1 + 2)
        XCTAssertEqual(weights[[2]], 0 + 1 + 1 + 1)
        XCTAssertEqual(candidates.count, 7)
    }
}
