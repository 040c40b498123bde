import XCTest
@testable import TablmCore

final class MarginalEstimatorTests: XCTestCase {
    /// Noise-free marginals of a table that factorises on the measured cliques are recovered: the
    /// fitted clique marginals equal the measurements, the cliques agree on what they share, and the
    /// marginal of two attributes no clique holds is the chain's P(A,B)·P(B,C)/P(B).
    func testRecoversExactMarginalsAndIsConsistent() {
        let table = ChainTable.sample(rows: 20_000, seed: 7)
        let ab = table.marginal([0, 1]), bc = table.marginal([1, 2])
        let measurements = [ab, bc, table.marginal([0]), table.marginal([2])].map {
            MarginalMeasurement(attributes: $0.attributes, noisy: $0.values, sigma: 1)
        }
        let tree = JunctionTree(domain: table.domain, measured: measurements.map(\.attributes))
        let total = MarginalEstimator.total(of: measurements)
        XCTAssertEqual(total, 20_000, accuracy: 1e-9)
        let (model, loss) = MarginalEstimator(iterations: 2000).estimate(measurements, tree: tree, total: total)
        XCTAssertLessThan(loss, 1, "the measurements are consistent, so they can be matched")
        for m in [ab, bc] {
            let fitted = model.project(m.attributes)
            for (x, y) in zip(fitted.values, m.values) { XCTAssertEqual(x, y, accuracy: 1.0, "\(m.attributes)") }
        }
        let bFromAB = model.marginals[tree.clique(containing: [0, 1])!].sum(to: [1])
        let bFromBC = model.marginals[tree.clique(containing: [1, 2])!].sum(to: [1])
        for (x, y) in zip(bFromAB.values, bFromBC.values) { XCTAssertEqual(x, y, accuracy: 1e-6 * total) }
        let ac = model.project([0, 2])
        let b = table.marginal([1])
        for a in 0..<3 {
            for c in 0..<2 {
                let expected = (0..<4).reduce(0.0) { sum, bb in b.values[bb] > 0 ? sum + ab.values[a * 4 + bb] * bc.values[bb * 2 + c] / b.values[bb] : sum }
                XCTAssertEqual(ac.values[a * 2 + c], expected, accuracy: 1.0)
            }
        }
    }

    /// With noisy measurements the fit is a distribution (non-negative, summing to the total) that
    /// is closer to the truth than the noisy counts themselves are.
    func testNoisyFitIsCloserThanTheNoise() {
        let table = ChainTable.sample(rows: 5000, seed: 8)
        var noise = GaussianSampler(generator: SplitMix64(seed: 9))
        let measurements = [[0], [1], [2], [0, 1], [1, 2]].map { MarginalMeasurement.release(table, attributes: $0, sigma: 30, noise: &noise) }
        let tree = JunctionTree(domain: table.domain, measured: measurements.map(\.attributes))
        let model = MarginalEstimator(iterations: 500).estimate(measurements, tree: tree, total: MarginalEstimator.total(of: measurements)).model
        var fitError = 0.0, noiseError = 0.0
        for m in measurements {
            let exact = table.marginal(m.attributes).values, fitted = model.project(m.attributes).values
            XCTAssertTrue(fitted.allSatisfy { $0 >= 0 })
            fitError += zip(exact, fitted).reduce(0) { $0 + abs($1.0 - $1.1) }
            noiseError += zip(exact, m.noisy).reduce(0) { $0 + abs($1.0 - $1.1) }
        }
        XCTAssertLessThan(fitError, noiseError)
        XCTAssertEqual(model.marginals[0].total, model.total, accuracy: 1e-6 * model.total)
    }
}
