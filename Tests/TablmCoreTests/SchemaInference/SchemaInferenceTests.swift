import TablmCore
import XCTest

final class SchemaInferenceTests: XCTestCase {
    func testAdult() throws {
        var options = SchemaInference.Options()
        options.target = "income"
        options.sensitive = ["sex"]
        let result = try SchemaInference.infer(csvPath: try Fixtures.bundledData("adult_train.csv"), options: options)
        let schema = result.schema
        XCTAssertEqual(result.rowCount, 32_561)
        XCTAssertEqual(schema.columns.count, 15)
        XCTAssertEqual(schema.source, .data)
        XCTAssertEqual(schema.target, "income")
        XCTAssertEqual(schema.sensitive, ["sex"])

        let age = try XCTUnwrap(schema.columns.first { $0.name == "age" })
        XCTAssertEqual(age.kind, .integer)
        XCTAssertEqual(age.min, 17)
        XCTAssertEqual(age.max, 90)
        XCTAssertFalse(age.allowsMissing)

        let workclass = try XCTUnwrap(schema.columns.first { $0.name == "workclass" })
        XCTAssertEqual(workclass.kind, .categorical)
        XCTAssertTrue(workclass.allowsMissing, "Adult's '?' workclass is an empty field")
        XCTAssertEqual(workclass.categories?.count, 8)
        XCTAssertTrue(workclass.categories!.contains("Private"))

        let income = try XCTUnwrap(schema.columns.first { $0.name == "income" })
        XCTAssertEqual(income.categories, ["<=50K", ">50K"])
        let numeric = schema.columns.filter { $0.kind != .categorical }.map(\.name)
        XCTAssertEqual(numeric, ["age", "fnlwgt", "education_num", "capital_gain", "capital_loss", "hours_per_week"])
        // Integers that repeat list their values (distinct counts from the file); the sampling
        // weight, nearly one value a row, does not.
        let listed = schema.columns.filter { $0.kind != .categorical }.map { $0.values?.count ?? 0 }
        XCTAssertEqual(listed, [73, 0, 16, 119, 92, 94])
        let gains = try XCTUnwrap(schema.columns.first { $0.name == "capital_gain" }?.values)
        XCTAssertEqual(gains.first, 0)
        XCTAssertEqual(gains.last, 99999)
        XCTAssertTrue(gains.contains(7688) && !gains.contains(7689))
    }

    /// A value list needs at most 256 distinct integers and 50 rows a value on average.
    func testValuesAreListedOnlyWhenTheyRepeat() throws {
        let folder = try Fixtures.scratchFolder(self)
        var lines = ["few,many,unique"]
        for index in 0..<600 { lines.append("\(index % 12 * 3),\(index % 13),\(index * 7)") }
        lines.append(",0,1")
        let path = try Fixtures.write(lines.joined(separator: "\n"), named: "t.csv", in: folder)
        let byName = Dictionary(uniqueKeysWithValues: try SchemaInference.infer(csvPath: path).schema.columns.map { ($0.name, $0) })
        XCTAssertEqual(byName["few"]?.values, (0..<12).map { Int64($0 * 3) }, "600 rows (the missing one not counted) of 12 values")
        XCTAssertEqual(byName["few"]?.allowsMissing, true)
        XCTAssertNil(byName["many"]?.values, "13 values need 650 rows")
        XCTAssertEqual(byName["many"]?.kind, .integer, "more than 10 values: a number, not categories")
        XCTAssertNil(byName["unique"]?.values)
        XCTAssertEqual(byName["unique"]?.kind, .integer)
    }

    func testGermanCredit() throws {
        let schema = try SchemaInference.infer(csvPath: try Fixtures.bundledData("german_credit.csv")).schema
        XCTAssertEqual(schema.columns.count, 22)
        XCTAssertEqual(schema.columns.filter { $0.kind == .integer }.map(\.name), ["duration", "credit_amount", "age"])
        // Codes 1-4 have few distinct values: categorical by the rule.
        let rate = try XCTUnwrap(schema.columns.first { $0.name == "installment_rate" })
        XCTAssertEqual(rate.categories, ["1", "2", "3", "4"])
    }

    func testKindsOnASmallTable() throws {
        let folder = try Fixtures.scratchFolder(self)
        var lines = ["zip,price,count,flag,code"]
        for index in 0..<30 {
            lines.append("0213\(index % 10),\(index).\(index % 2 == 0 ? "5" : "25"),\(index * 3 - 10),\(index % 2),\(index == 7 ? "" : "c\(index % 3)")")
        }
        let path = try Fixtures.write(lines.joined(separator: "\n"), named: "t.csv", in: folder)
        let schema = try SchemaInference.infer(csvPath: path).schema
        let byName = Dictionary(uniqueKeysWithValues: schema.columns.map { ($0.name, $0) })
        XCTAssertEqual(byName["zip"]?.kind, .categorical, "leading zeros must stay text")
        XCTAssertEqual(byName["price"]?.kind, .real)
        XCTAssertEqual(byName["price"]?.precision, 2)
        XCTAssertEqual(byName["price"]?.min, 0.5)
        XCTAssertEqual(byName["price"]?.max, 29.25)
        XCTAssertEqual(byName["count"]?.kind, .integer)
        XCTAssertEqual(byName["count"]?.min, -10)
        XCTAssertEqual(byName["count"]?.max, 77)
        XCTAssertEqual(byName["flag"]?.categories, ["0", "1"])
        XCTAssertEqual(byName["code"]?.categories, ["c0", "c1", "c2"])
        XCTAssertEqual(byName["code"]?.allowsMissing, true)
        XCTAssertEqual(byName["zip"]?.allowsMissing, false)
    }

    func testNumericCategoriesSortByValueAndThresholdIsAnOption() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = try Fixtures.write("n\n10\n9\n-1\n10\n", named: "t.csv", in: folder)
        XCTAssertEqual(try SchemaInference.infer(csvPath: path).schema.columns[0].categories, ["-1", "9", "10"])
        var options = SchemaInference.Options()
        options.maxCategoricalNumbers = 2
        XCTAssertEqual(try SchemaInference.infer(csvPath: path, options: options).schema.columns[0].kind, .integer)
    }

    func testIdentifierColumnIsRefused() throws {
        let folder = try Fixtures.scratchFolder(self)
        var options = SchemaInference.Options()
        options.maxCategories = 50
        let path = try Fixtures.write((["id,x"] + (0..<60).map { "user\($0),1" }).joined(separator: "\n"),
                                      named: "t.csv", in: folder)
        XCTAssertThrowsError(try SchemaInference.infer(csvPath: path, options: options)) { error in
            let error = error as! InputError
            XCTAssertEqual(error.location?.columnName, "id")
            XCTAssertEqual(error.location?.line, 52)
        }
    }

    /// A header wider than a schema may be is refused before a row is read (20,000 columns took
    /// minutes: the checks grow with the square of the columns).
    func testAHeaderWiderThanASchemaIsRefusedFirst() throws {
        let width = Schema.largestColumnCount + 1
        let path = try Fixtures.write((0..<width).map { "c\($0)" }.joined(separator: ",") + "\n" + Array(repeating: "1", count: width).joined(separator: ",") + "\n",
                                      named: "wide.csv", in: try Fixtures.scratchFolder(self))
        XCTAssertThrowsError(try SchemaInference.infer(csvPath: path)) { error in
            XCTAssertEqual("\(error)", "\(path):1: the header has \(width) columns; tablm takes at most \(Schema.largestColumnCount)")
        }
    }

    func testUnknownRoleColumnAndEmptyColumn() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = try Fixtures.write("a,b\n1,\n2,\n", named: "t.csv", in: folder)
        var options = SchemaInference.Options()
        options.target = "incme"
        XCTAssertThrowsError(try SchemaInference.infer(csvPath: path, options: options)) { error in
            XCTAssertTrue("\(error)".contains("no column named 'incme'"), "\(error)")
        }
        XCTAssertThrowsError(try SchemaInference.infer(csvPath: path)) { error in
            XCTAssertEqual((error as! InputError).location?.columnName, "b")
        }
    }
}
