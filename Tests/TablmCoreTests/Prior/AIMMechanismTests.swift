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
