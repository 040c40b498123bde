import XCTest
@testable import TablmCore

final class PseudoRowSamplerTests: XCTestCase {
    /// Rows drawn along the junction tree have the model's clique marginals (chi-square at the 0.1 %
    /// level), including a three-clique tree where the separator is not a measured clique.
    func testSampledCliqueMarginalsMatchTheModel() {
        let table = ChainTable.sample(rows: 10_000, seed: 11)
        let measured = [[0, 1], [1, 2]]
        let measurements = measured.map { MarginalMeasurement(attributes: $0, noisy: table.marginal($0).values, sigma: 1) }
        let tree = JunctionTree(domain: table.domain, measured: measured)
        let model = MarginalEstimator(iterations: 500).estimate(measurements, tree: tree, total: 10_000).model
        var generator = SplitMix64(seed: 12)
        let rows = PseudoRowSampler.sample(model, count: 50_000, using: &generator)
        for clique in tree.cliques + [[0, 2], [0, 1, 2]] {
            let expected = model.project(clique)
            let (value, degrees) = ChiSquare.statistic(observed: rows.marginal(clique).values,
                                                       probabilities: expected.values.map { $0 / expected.total })
            XCTAssertLessThan(value, ChiSquare.critical999(degrees: degrees), "\(clique)")
        }
        // The model's joint is the chain's: A and C are dependent only through B.
        let joint = model.project([0, 1, 2])
        for a in 0..<3 { for b in 0..<4 { for c in 0..<2 {
            XCTAssertEqual(joint.values[(a * 4 + b) * 2 + c] / 10_000, ChainTable.joint(a, b, c), accuracy: 0.015)
        } } }
    }
}
