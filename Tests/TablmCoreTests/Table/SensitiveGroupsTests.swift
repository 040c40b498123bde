@testable import TablmCore
import XCTest

/// `--sensitive` as audits name groups: a column's values, a threshold, an intersection; each row's
/// group checked against the rule written out by hand.
final class SensitiveGroupsTests: XCTestCase {
    private let schema = Schema(columns: [.categorical("sex", ["Female", "Male"]),
                                          .integer("age", min: 18, max: 90, allowsMissing: true),
                                          .categorical("race", ["A", "B", "C"], allowsMissing: true),
                                          .real("score", min: 0, max: 10, precision: 1),
                                          .categorical("income", ["low", "high"])],
                                source: .public, target: "income", sensitive: ["sex"])

    private func row(sex: String, age: Int64?, race: String?, score: Int64 = 50) -> Row {
        [.category(sex), age.map(Cell.number) ?? .missing, race.map(Cell.category) ?? .missing, .number(score), .category("low")]
    }

    func testAColumnsValuesAreItsGroupsWithMissingLast() throws {
        let groups = try SensitiveGroups(parsing: "race", schema: schema)
        XCTAssertEqual(groups.names, ["A", "B", "C", "(missing)"])
        XCTAssertEqual(groups.singleColumn, 2)
        XCTAssertEqual(groups.group(of: row(sex: "Male", age: 30, race: "C")), 2)
        XCTAssertEqual(groups.group(of: row(sex: "Male", age: 30, race: nil)), 3)
        XCTAssertEqual(try SensitiveGroups(parsing: "sex", schema: schema).names, ["Female", "Male"])
    }

    /// Each comparison against ages 24, 25, 26 and a missing age, and the names of both sides.
    func testThresholdSidesFollowTheComparison() throws {
        let expected: [(String, [String], [Int?])] = [
            ("age<25", ["age<25", "age>=25", "age missing"], [0, 1, 1, 2]),
            ("age<=25", ["age<=25", "age>25", "age missing"], [0, 0, 1, 2]),
            ("age>25", ["age>25", "age<=25", "age missing"], [1, 1, 0, 2]),
            ("age >= 25", ["age>=25", "age<25", "age missing"], [1, 0, 0, 2]),
        ]
        for (text, names, sides) in expected {
            let groups = try SensitiveGroups(parsing: text, schema: schema)
            XCTAssertEqual(groups.names, names, text)
            XCTAssertNil(groups.singleColumn, text)
            XCTAssertEqual(groups.columns, [1])
            XCTAssertEqual([24, 25, 26, nil].map { groups.group(of: row(sex: "Female", age: $0, race: "A")) }, sides, text)
        }
        // A real column: the bound at the column's precision (units of 0.1).
        let score = try SensitiveGroups(parsing: "score<2.5", schema: schema)
        XCTAssertEqual(score.names, ["score<2.5", "score>=2.5"])
        XCTAssertEqual([24, 25].map { score.group(of: row(sex: "Male", age: 40, race: "A", score: $0)) }, [0, 1])
    }

    /// `sex&race`: every pair is a group, the last part varying fastest.
    func testIntersectionCountsEveryCombination() throws {
        let groups = try SensitiveGroups(parsing: "sex&race", schema: schema)
        XCTAssertEqual(groups.names, ["Female & A", "Female & B", "Female & C", "Female & (missing)",
                                      "Male & A", "Male & B", "Male & C", "Male & (missing)"])
        XCTAssertEqual(groups.columns, [0, 2])
        XCTAssertNil(groups.singleColumn)
        XCTAssertEqual(groups.group(of: row(sex: "Male", age: 40, race: "B")), 5)
        XCTAssertEqual(groups.name(of: row(sex: "Female", age: 40, race: nil)), "Female & (missing)")
        let mixed = try SensitiveGroups(parsing: "age<25&sex", schema: schema)
        XCTAssertEqual(mixed.names.count, 6)
        XCTAssertEqual(mixed.group(of: row(sex: "Male", age: 20, race: "A")), 1)
        XCTAssertEqual(mixed.group(of: row(sex: "Female", age: nil, race: "A")), 4)
        // A group is known only once every part's column is: a sampler asks with what it has seen.
        XCTAssertNil(groups.group { $0 == 0 ? .category("Male") : nil })
        // The tokenizer, trained before the schema checks the text, keeps these columns apart.
        XCTAssertEqual(SensitiveGroups.columnNames(in: "sex & age>=25"), ["sex", "age"])
        XCTAssertEqual(SensitiveGroups.columnNames(in: "race"), ["race"])
    }

    func testRefusalsNameTheProblem() {
        let cases: [(String, String)] = [
            ("height", "no column"), ("age", "numeric column"), ("sex<1", "categorical"), ("age<abc", "not a number"),
            ("age<200", "outside"), ("sex&sex", "twice"), ("sex&", "empty part"), ("score<2.55", "not a number"),
            // A side no value of the range can take: an empty group whose gap of 0 read as fair.
            ("age<18", "every value of 'age''s range [18, 90] is on one side of 18, so one group is empty"),
            ("age>=18", "one group is empty"), ("age>90", "one group is empty"), ("age<=90", "one group is empty"), ("score<0", "one group is empty"),
        ]
        for (text, fragment) in cases {
            XCTAssertThrowsError(try SensitiveGroups(parsing: text, schema: schema), text) { error in
                XCTAssertTrue("\(error)".contains(fragment), "\(text): \(error)")
            }
        }
        // 9 × 8 = 72 groups is more than the 64 a table can measure.
        let wide = Schema(columns: [.categorical("a", (0..<9).map { "a\($0)" }), .categorical("b", (0..<8).map { "b\($0)" })], source: .public)
        XCTAssertThrowsError(try SensitiveGroups(parsing: "a&b", schema: wide)) { XCTAssertTrue("\($0)".contains("72 groups")) }
        XCTAssertNoThrow(try SensitiveGroups(parsing: "a&b", schema: Schema(columns: [.categorical("a", (0..<8).map { "a\($0)" }), .categorical("b", (0..<8).map { "b\($0)" })], source: .public)))
    }
}
