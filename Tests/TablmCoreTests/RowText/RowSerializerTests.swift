import TablmCore
import XCTest

final class RowSerializerTests: XCTestCase {
    private let schema = Schema(
        columns: [
            .integer("age", min: 17, max: 90),
            .categorical("workclass", ["Private", "State-gov", "Self-emp, inc"], allowsMissing: true),
            .real("score", min: -1.5, max: 2.25, precision: 2),
            .categorical("income", ["<=50K", ">50K"]),
        ],
        source: .public)

    func testTextInSchemaOrderAndGivenOrder() {
        let serializer = RowSerializer(schema: schema)
        let row: Row = [.number(39), .missing, .number(-5), .category(">50K")]
        XCTAssertEqual(serializer.text(for: row), "age is 39, workclass is missing, score is -0.05, income is >50K")
        XCTAssertEqual(serializer.text(for: row, order: [3, 0, 2, 1]),
                       "income is >50K, age is 39, score is -0.05, workclass is missing")
    }

    /// The value's range, cut out of the text, is the value's own text, in any order and with a
    /// template that has a prefix, a suffix and a multi-byte separator.
    func testValueRangeCutsOutTheValue() {
        let row: Row = [.number(39), .category("Self-emp, inc"), .number(-5), .category(">50K")]
        for serializer in [RowSerializer(schema: schema),
                           RowSerializer(schema: schema, template: RowTemplate(prefix: "<", infix: "=\"", suffix: "\">", separator: " · ", missing: "N/A"))] {
            for order in [nil, [3, 0, 2, 1], [1, 3, 2, 0]] {
                let text = Array(serializer.text(for: row, order: order).utf8)
                for column in schema.columns.indices {
                    let range = serializer.valueRange(of: column, in: row, order: order)
                    XCTAssertEqual(String(decoding: text[range], as: UTF8.self), serializer.valueText(row[column], column: column))
                }
            }
        }
    }

    func testParseAcceptsAnyOrderAndCategoriesContainingTheSeparator() throws {
        let serializer = RowSerializer(schema: schema)
        let row = try serializer.parse("workclass is Self-emp, inc, score is 2.25, income is <=50K, age is 17")
        XCTAssertEqual(row, [.number(17), .category("Self-emp, inc"), .number(225), .category("<=50K")])
        XCTAssertEqual(try serializer.parse("age is 90, workclass is Private, score is 0.5, income is >50K")[2],
                       .number(50), "fewer decimals than the precision are accepted")
    }

    private func rejection(_ text: String) -> RowTextError? {
        do {
            _ = try RowSerializer(schema: schema).parse(text)
            return nil
        } catch {
            return error
        }
    }

    func testParseRejectsTextThatDoesNotFitWithTheReason() {
        let cases: [(String, String, Int)] = [
            ("age is 39, workclass is Federal, score is 1.00, income is >50K",
             "'Federal' is not a category of 'workclass'", 25),
            ("age is 91, workclass is Private, score is 1.00, income is >50K",
             "91 is outside the range of 'age' [17, 90]", 8),
            ("age is 39, workclass is Private, score is 1.001, income is >50K",
             "1.001 has 3 decimals, 'score' keeps 2", 43),
            ("age is 039, workclass is Private, score is 1.00, income is >50K",
             "'039' is not a number as 'age' spells them", 8),
            ("age is 39, workclass is Private, score is 1.00",
             "row ends without column income", 47),
            ("age is 39, age is 40, workclass is Private, score is 1.00, income is >50K",
             "column 'age' appears twice", 12),
            ("age is 39, workclass is Private, score is 1.00, income is >50K, age is 40",
             "column 'age' appears twice", 65),
            ("income is >50K, age is 39, income is <=50K, workclass is Private, score is 1.00",
             "column 'income' appears twice", 28),
            ("age is 39, workclass is Private, score is missing, income is >50K",
             "column 'score' cannot be missing", 43),
            ("salary is 3, age is 39", "expected a column name followed by ' is '", 1),
            ("", "expected a column name followed by ' is '", 1),
        ]
        for (text, reason, position) in cases {
            XCTAssertEqual(rejection(text), RowTextError(reason: reason, position: position), text)
        }
    }

    func testColumnOrderIsSeededAndUniform() {
        let serializer = RowSerializer(schema: schema)
        XCTAssertEqual(serializer.columnOrder(seed: 7, rowIndex: 3), serializer.columnOrder(seed: 7, rowIndex: 3))
        XCTAssertNotEqual((0..<20).map { serializer.columnOrder(seed: 7, rowIndex: $0) },
                          (0..<20).map { serializer.columnOrder(seed: 8, rowIndex: $0) })
        // Each of the 4 columns comes first about a quarter of the time: chi-square with 3 degrees of
        // freedom stays below 16.27 (p = 0.001) for a uniform shuffle.
        var firsts = [Int](repeating: 0, count: 4)
        let rows = 8000
        for index in 0..<rows { firsts[serializer.columnOrder(seed: 1, rowIndex: index)[0]] += 1 }
        let expected = Double(rows) / 4
        let chiSquare = firsts.reduce(0) { $0 + pow(Double($1) - expected, 2) / expected }
        XCTAssertLessThan(chiSquare, 16.27, "\(firsts)")
    }

    /// Every row of the real tables survives CSV → row → text (random column order) → row → CSV, and
    /// the CSV fields equal the file's own fields.
    func testRoundTripOfEveryAdultAndGermanRow() throws {
        for file in ["adult_train.csv", "adult_test.csv", "german_credit.csv"] {
            let path = try Fixtures.bundledData(file)
            let schema = try SchemaInference.infer(csvPath: path).schema
            let serializer = RowSerializer(schema: schema)
            let reader = try CSVRecordReader(path: path)
            let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
            var index = 0
            try reader.forEachRecord { record in
                let row = try decoder.row(from: record, file: path)
                let text = serializer.text(for: row, order: serializer.columnOrder(seed: 42, rowIndex: index))
                let parsed = try serializer.parse(text)
                XCTAssertEqual(parsed, row, text)
                XCTAssertEqual(RowDecoder.fields(of: parsed, schema: schema), record.fields)
                index += 1
            }
            XCTAssertGreaterThanOrEqual(index, 1000, file)
        }
    }
}
