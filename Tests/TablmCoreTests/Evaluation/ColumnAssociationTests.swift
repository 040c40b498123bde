import TablmCore
import XCTest

final class ColumnAssociationTests: XCTestCase {
    func testPearsonByHand() {
        XCTAssertEqual(ColumnAssociation.pearson([(1, 2), (2, 4), (3, 6)]), 1, accuracy: 1e-12)
        XCTAssertEqual(ColumnAssociation.pearson([(1, 3), (2, 2), (3, 1)]), -1, accuracy: 1e-12)
        // x = 1,2,3,4; y = 1,3,2,4: Sxy = 4, Sxx = Syy = 5.
        XCTAssertEqual(ColumnAssociation.pearson([(1, 1), (2, 3), (3, 2), (4, 4)]), 0.8, accuracy: 1e-12)
    }

    /// For a 2 × 2 table [[a, b], [c, d]] Cramér's V is |ad − bc| / √((a+b)(c+d)(a+c)(b+d)) (the φ coefficient).
    func testCramersVIsPhiForTwoByTwo() {
        let (a, b, c, d) = (30.0, 10.0, 5.0, 15.0)
        var pairs: [(String, String)] = []
        pairs += Array(repeating: ("x", "u"), count: Int(a)) + Array(repeating: ("x", "v"), count: Int(b))
        pairs += Array(repeating: ("y", "u"), count: Int(c)) + Array(repeating: ("y", "v"), count: Int(d))
        let phi = abs(a * d - b * c) / ((a + b) * (c + d) * (a + c) * (b + d)).squareRoot()
        XCTAssertEqual(ColumnAssociation.cramersV(pairs), phi, accuracy: 1e-12)
        XCTAssertEqual(ColumnAssociation.cramersV([("x", "u"), ("x", "v"), ("y", "u"), ("y", "v")]), 0, accuracy: 1e-12)
    }

    /// Groups a: 1, 3 (mean 2); b: 5, 7 (mean 6); grand mean 4. Between = 2·4 + 2·4 = 16; total = 9+1+1+9 = 20.
    func testCorrelationRatioByHand() {
        XCTAssertEqual(ColumnAssociation.correlationRatio([("a", 1), ("a", 3), ("b", 5), ("b", 7)]), (16.0 / 20).squareRoot(), accuracy: 1e-12)
    }

    func testMatrixPicksTheMeasureByKind() {
        let schema = Schema(columns: [.integer("n", min: 0, max: 10), .categorical("c", ["a", "b"]), .integer("m", min: 0, max: 10)], source: .public)
        let rows: [Row] = [[.number(1), .category("a"), .number(2)], [.number(3), .category("a"), .number(6)],
                           [.number(5), .category("b"), .number(10)], [.number(7), .category("b"), .missing]]
        let m = ColumnAssociation.matrix(schema: schema, rows: rows)
        XCTAssertEqual(m[0 * 3 + 2], 1, accuracy: 1e-12, "n and m are proportional; the row with m missing is left out")
        XCTAssertEqual(m[0 * 3 + 1], (16.0 / 20).squareRoot(), accuracy: 1e-12)
        XCTAssertEqual(m[1 * 3 + 0], m[0 * 3 + 1])
        XCTAssertEqual(m[1 * 3 + 1], 1)
        XCTAssertEqual(ColumnAssociation.meanDifference(m, m, columns: 3), 0)
    }
}
