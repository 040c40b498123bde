import TablmCore
import XCTest

final class FrechetDistanceTests: XCTestCase {
    func testEigenDecompositionReconstructsTheMatrix() {
        let a: [Double] = [4, 1, 2, 0.5, 1, 3, 0, 1, 2, 0, 5, -1, 0.5, 1, -1, 2]
        let eigen = SymmetricEigen(a, size: 4)
        let back = eigen.applying { $0 }
        for (x, y) in zip(a, back) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        // Trace and determinant-free check: the eigenvalues sum to the trace.
        XCTAssertEqual(eigen.values.reduce(0, +), 14, accuracy: 1e-12)
        // 2 × 2 closed form: (t ± √(t² − 4d)) / 2.
        let two = SymmetricEigen([2, 1, 1, 3], size: 2).values.sorted()
        XCTAssertEqual(two[0], (5 - 5.0.squareRoot()) / 2, accuracy: 1e-14)
        XCTAssertEqual(two[1], (5 + 5.0.squareRoot()) / 2, accuracy: 1e-14)
    }

    /// One dimension: (μ₁ − μ₂)² + (σ₁ − σ₂)².
    func testOneDimension() {
        let d = FrechetDistance.between(mean1: [1], covariance1: [4], mean2: [3], covariance2: [9])
        XCTAssertEqual(d, 4 + 1, accuracy: 1e-12)
    }

    /// Two non-commuting 2 × 2 covariances: for 2 × 2 matrices Tr √(Σ₁Σ₂) = √(Tr(Σ₁Σ₂) + 2√(det Σ₁ det Σ₂))
    /// (the eigenvalues λ₁, λ₂ of Σ₁Σ₂ are non-negative and (√λ₁ + √λ₂)² = λ₁ + λ₂ + 2√(λ₁λ₂)).
    func testTwoDimensionsAgainstTheClosedForm() {
        let s1: [Double] = [2, 0.5, 0.5, 1], s2: [Double] = [1, -0.3, -0.3, 3]
        let traceProduct = s1[0] * s2[0] + s1[1] * s2[2] + s1[2] * s2[1] + s1[3] * s2[3]
        let det1 = s1[0] * s1[3] - s1[1] * s1[2], det2 = s2[0] * s2[3] - s2[1] * s2[2]
        let traceRoot = (traceProduct + 2 * (det1 * det2).squareRoot()).squareRoot()
        let expected = (1.0 * 1.0 + 2.0 * 2.0) + (3 + 4) - 2 * traceRoot
        let d = FrechetDistance.between(mean1: [0, 0], covariance1: s1, mean2: [1, -2], covariance2: s2)
        XCTAssertEqual(d, expected, accuracy: 1e-12)
    }

    func testMomentsAndIdenticalSets() {
        let features: [Double] = [1, 2, 3, 6, 5, 4]   // rows (1,2), (3,6), (5,4)
        let m = FrechetDistance.moments(features, width: 2)
        XCTAssertEqual(m.mean, [3, 4])
        // Population covariance: var x = 8/3, var y = 8/3, cov = (−2·−2 + 0 + 2·0)/3 = 4/3.
        for (x, y) in zip(m.covariance, [8.0 / 3, 4.0 / 3, 4.0 / 3, 8.0 / 3]) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        XCTAssertEqual(FrechetDistance.between(features, features, width: 2), 0, accuracy: 1e-9)
    }

    /// Moments of rows encoded one at a time are those of their feature matrix, to the last bit
    /// (the same sums in the same order), so `evaluate` needs no matrix of a million rows.
    func testMomentsOfRowsEqualMomentsOfTheirMatrix() {
        let schema = Schema(columns: [.categorical("c", ["p", "q", "r"]), .integer("n", min: 0, max: 100)], source: .public)
        var generator = SplitMix64(seed: 9)
        let rows: [Row] = (0..<300).map { _ in
            [.category(["p", "q", "r"][Int.random(in: 0...2, using: &generator)]),
             Int.random(in: 0...9, using: &generator) == 0 ? .missing : .number(Int64.random(in: 0...100, using: &generator))]
        }
        let encoder = FeatureEncoder(schema: schema, fittedOn: rows, excluding: nil)
        let fromRows = FrechetDistance.moments(rows, encoder: encoder)
        let fromMatrix = FrechetDistance.moments(encoder.matrix(rows), width: encoder.width)
        XCTAssertEqual(fromRows.mean, fromMatrix.mean)
        XCTAssertEqual(fromRows.covariance, fromMatrix.covariance)
        XCTAssertEqual(FrechetDistance.between(Array(rows.prefix(150)), Array(rows.suffix(150)), encoder: encoder),
                       FrechetDistance.between(encoder.matrix(Array(rows.prefix(150))), encoder.matrix(Array(rows.suffix(150))), width: encoder.width))
    }
}

