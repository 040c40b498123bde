import TablmCore
import XCTest

/// A checkpoint's recorded column orders against its schema: a schema.json edited to drop a column
/// still had as many known names as columns, and `generate` wrote rows the model was not trained on.
final class ColumnOrderChoiceTests: XCTestCase {
    private let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"]),
                                          .categorical("income", ["<=50K", ">50K"])], source: .public, target: "income")

    func testTheTableOrderPutsTheTargetLast() {
        XCTAssertEqual(ColumnOrderChoice.tableOrder(schema), [0, 1, 2])
        let first = Schema(columns: [schema.columns[2], schema.columns[0], schema.columns[1]], source: .public, target: "income")
        XCTAssertEqual(ColumnOrderChoice.tableOrder(first), [1, 2, 0])
    }

    func testRecordedOrdersMustNameEveryColumnOnce() throws {
        XCTAssertEqual(try ColumnOrderChoice.orders(recorded: [["income", "age", "sex"]], schema: schema), [[2, 0, 1]])
        XCTAssertNil(try ColumnOrderChoice.orders(recorded: nil, schema: schema))
        for recorded in [[["income", "age", "sex", "race"]], [["income", "age"]], [["income", "age", "age"]], [["income", "age", "race"]]] {
            XCTAssertThrowsError(try ColumnOrderChoice.orders(recorded: recorded, schema: schema), "\(recorded)")
        }
        // The schema with a column dropped, the record as the model was trained: refused.
        let dropped = Schema(columns: [schema.columns[0], schema.columns[2]], source: .public, target: "income")
        XCTAssertThrowsError(try ColumnOrderChoice.orders(recorded: [["age", "sex", "income"]], schema: dropped))
    }
}
