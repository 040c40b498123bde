import XCTest
@testable import TablmCore

final class MarginalMeasurementTests: XCTestCase {
    /// Released counts are the exact counts plus N(0, σ²): over many releases each cell's mean is the
    /// count and the pooled variance is σ² (within 5 standard errors of each).
    func testNoiseHasTheDeclaredSpread() {
        let table = ChainTable.sample(rows: 300, seed: 1)
        let exact = table.marginal([0, 2]).values
        var noise = GaussianSampler(generator: ChaCha20Generator(insecureSeed: 2))
        let sigma = 4.0, releases = 4000
        var sums = [Double](repeating: 0, count: exact.count), squares = 0.0
        for _ in 0..<releases {
            let m = MarginalMeasurement.release(table, attributes: [0, 2], sigma: sigma, noise: &noise)
            XCTAssertEqual(m.sigma, sigma)
            for i in exact.indices {
                let e = m.noisy[i] - exact[i]
                sums[i] += e
                squares += e * e
            }
        }
        for i in exact.indices { XCTAssertEqual(sums[i] / Double(releases), 0, accuracy: 5 * sigma / Double(releases).squareRoot()) }
        let n = Double(releases * exact.count)
        XCTAssertEqual(squares / n, sigma * sigma, accuracy: 5 * sigma * sigma * (2 / n).squareRoot())
    }
}
