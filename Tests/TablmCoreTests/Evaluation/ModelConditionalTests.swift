import TablmCore
import XCTest

final class ModelConditionalTests: XCTestCase {
    /// With the likelihood of a known joint p(a, y) (y of three values), the probabilities are the
    /// exact conditional p(y | a) = p(a, y) / Σ_y' p(a, y'), whatever y the rows had; the joint's
    /// shared factor p(a) cancels.
    func testIsTheConditionalOfTheJoint() throws {
        let joint: [[Double]] = [[0.05, 0.15, 0.10], [0.30, 0.02, 0.08], [0.10, 0.10, 0.10]]   // [a][y]
        let values: [Cell] = [.category("y0"), .category("y1"), .missing]
        func y(_ cell: Cell) -> Int { values.firstIndex(of: cell)! }
        func a(_ cell: Cell) -> Int { if case .number(let n) = cell { Int(n) } else { -1 } }
        let rows: [Row] = [[.number(0), .category("y1")], [.number(1), .missing], [.number(2), .category("y0")], [.number(1), .category("y0")]]
        var calls = 0
        let probabilities = ModelConditional.probabilities(of: .category("y1"), rows: rows, target: 1, values: values) { rows in
            calls += 1
            return rows.map { Double.log(joint[a($0[0])][y($0[1])]) + 7 }   // any common offset
        }
        XCTAssertEqual(calls, 3, "one pass per target value")
        let expected = rows.map { row in joint[a(row[0])][1] / joint[a(row[0])].reduce(0, +) }
        for (p, e) in zip(try XCTUnwrap(probabilities), expected) { XCTAssertEqual(p, e, accuracy: 1e-12) }
        XCTAssertNil(ModelConditional.probabilities(of: .category("y1"), rows: rows, target: 1,
                                                    values: (0...ModelConditional.largestValueCount).map { .category("v\($0)") }) { $0.map { _ in 0 } })
    }
}
