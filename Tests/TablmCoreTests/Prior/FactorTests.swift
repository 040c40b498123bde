import XCTest
@testable import TablmCore

final class FactorTests: XCTestCase {
    /// Sums to a subset and products agree with loops over explicit multi-indices.
    func testSumAndProductAgainstExplicitIndices() {
        let sizes = [2, 3, 4]
        let values = (0..<24).map { Double($0 * $0 % 7) + 0.5 }
        let factor = Factor(attributes: [1, 4, 6], sizes: sizes, values: values)
        func value(_ i: Int, _ j: Int, _ k: Int) -> Double { values[(i * 3 + j) * 4 + k] }
        let ik = factor.sum(to: [1, 6])
        for i in 0..<2 { for k in 0..<4 { XCTAssertEqual(ik.values[i * 4 + k], (0..<3).reduce(0) { $0 + value(i, $1, k) }, accuracy: 1e-12) } }
        let j = factor.sum(to: [4])
        for jj in 0..<3 { XCTAssertEqual(j.values[jj], (0..<2).reduce(0) { a, i in a + (0..<4).reduce(0) { $0 + value(i, jj, $1) } }, accuracy: 1e-12) }
        XCTAssertEqual(factor.sum(to: []).values, [values.reduce(0, +)])
        let logs = Factor(attributes: factor.attributes, sizes: sizes, values: values.map { log($0) })
        let lse = logs.logSumExp(to: [4], map: logs.indexMap(to: [4]))
        for jj in 0..<3 { XCTAssertEqual(exp(lse.values[jj]), j.values[jj], accuracy: 1e-9) }

        let other = Factor(attributes: [4, 9], sizes: [3, 2], values: [1, 2, 3, 4, 5, 6])
        let product = Factor.product(factor, other)
        XCTAssertEqual(product.attributes, [1, 4, 6, 9])
        for i in 0..<2 { for jj in 0..<3 { for k in 0..<4 { for l in 0..<2 {
            XCTAssertEqual(product.values[((i * 3 + jj) * 4 + k) * 2 + l], value(i, jj, k) * other.values[jj * 2 + l])
        } } } }
    }

    /// A table's marginal counts each row once, in the cell of its values.
    func testTableMarginalCountsRows() {
        let table = DiscreteTable(domain: [2, 3], cells: [0, 2, 1, 0, 1, 2, 0, 2])
        XCTAssertEqual(table.marginal([0, 1]).values, [0, 0, 2, 1, 0, 1])
        XCTAssertEqual(table.marginal([1]).values, [1, 0, 3])
    }
}
