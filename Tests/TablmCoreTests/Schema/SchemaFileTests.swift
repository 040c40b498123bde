import TablmCore
import XCTest

final class SchemaFileTests: XCTestCase {
    private let schema = Schema(
        columns: [
            .integer("age", min: 17, max: 90),
            .categorical("sex", ["Female", "Male"]),
            .real("score", min: -1.5, max: 2.25, precision: 2, allowsMissing: true),
            .categorical("income", ["<=50K", ">50K"]),
        ],
        source: .public, target: "income", sensitive: ["sex"])

    func testSaveAndLoadRoundTrip() throws {
        let path = try Fixtures.scratchFolder(self).appendingPathComponent("s.json").path
        try SchemaFile.save(schema, to: path)
        XCTAssertEqual(try SchemaFile.load(path: path), schema)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("\"source\" : \"public\""), text)
        XCTAssertTrue(text.contains("\"allows_missing\" : true"), text)
    }

    private func loadError(_ json: String) throws -> InputError {
        let path = try Fixtures.write(json, named: "s.json", in: try Fixtures.scratchFolder(self))
        do {
            _ = try SchemaFile.load(path: path)
        } catch let error as InputError {
            return error
        }
        XCTFail("expected the schema to be refused")
        return InputError("none")
    }

    func testRefusesBrokenSchemasNamingTheLine() throws {
        let emptyCategories = try loadError("""
        {
          "source": "data",
          "columns": [
            {"name": "age", "kind": "integer", "min": 1, "max": 9},
            {"name": "sex", "kind": "categorical", "categories": []}
          ]
        }
        """)
        XCTAssertTrue(emptyCategories.message.contains("empty category list"), emptyCategories.message)
        XCTAssertEqual(emptyCategories.location?.line, 5)

        let inverted = try loadError(#"{"source": "data", "columns": [{"name": "a", "kind": "integer", "min": 9, "max": 1}]}"#)
        XCTAssertTrue(inverted.message.contains("min 9.0 above max 1.0"), inverted.message)

        let unknownTarget = try loadError(#"{"source": "data", "target": "y", "columns": [{"name": "a", "kind": "categorical", "categories": ["x"]}]}"#)
        XCTAssertTrue(unknownTarget.message.contains("target 'y' is not a column"), unknownTarget.message)

        let noPrecision = try loadError(#"{"source": "data", "columns": [{"name": "a", "kind": "real", "min": 0, "max": 1}]}"#)
        XCTAssertTrue(noPrecision.message.contains("needs a precision"), noPrecision.message)

        let duplicate = try loadError(#"{"source": "data", "columns": [{"name": "a", "kind": "categorical", "categories": ["x", "x"]}]}"#)
        XCTAssertTrue(duplicate.message.contains("listed twice"), duplicate.message)
    }

    /// Columns and categories past the largest tablm takes are refused on loading: 20,000 columns
    /// or a million categories ran for minutes before anything was said.
    func testRefusesMoreColumnsOrCategoriesThanTablmTakes() throws {
        let column = { (i: Int) in "{\"name\": \"c\(i)\", \"kind\": \"categorical\", \"categories\": [\"x\"]}" }
        let wide = try loadError("{\"source\": \"data\", \"columns\": [" + (0...Schema.largestColumnCount).map(column).joined(separator: ", ") + "]}")
        XCTAssertEqual(wide.message, "the schema has \(Schema.largestColumnCount + 1) columns; tablm takes at most \(Schema.largestColumnCount)")
        let categories = (0...Schema.largestCategoryCount).map { "\"v\($0)\"" }.joined(separator: ", ")
        let many = try loadError("{\"source\": \"data\", \"columns\": [{\"name\": \"a\", \"kind\": \"categorical\", \"categories\": [\(categories)]}]}")
        XCTAssertTrue(many.message.contains("lists \(Schema.largestCategoryCount + 1) categories; at most"), many.message)
        let path = try Fixtures.write("{\"source\": \"data\", \"columns\": [" + (0..<Schema.largestColumnCount).map(column).joined(separator: ", ") + "]}",
                                      named: "s.json", in: try Fixtures.scratchFolder(self))
        XCTAssertEqual(try SchemaFile.load(path: path).columns.count, Schema.largestColumnCount, "the largest is taken")
    }

    /// Listed values (`values`): integer columns only, ascending without repeats, inside the range,
    /// at most `ColumnSchema.largestValueList`; each broken list is named with its line.
    func testRefusesBrokenValueListsNamingTheLine() throws {
        func column(_ fields: String) -> String {
            "{\n  \"source\": \"public\",\n  \"columns\": [\n    {\"name\": \"n\", \(fields)}\n  ]\n}"
        }
        for (fields, expected) in [
            (#""kind": "integer", "min": 0, "max": 9, "values": [1, 5, 5]"#, "ascending without repeats (5 before 5)"),
            (#""kind": "integer", "min": 0, "max": 9, "values": [3, 2]"#, "ascending without repeats (3 before 2)"),
            (#""kind": "integer", "min": 0, "max": 9, "values": [0, 10]"#, "value 10 of column 'n' is outside its range [0, 9]"),
            (#""kind": "integer", "min": 0, "max": 9, "values": []"#, "lists 0 values"),
            (#""kind": "real", "min": 0, "max": 9, "precision": 1, "values": [1]"#, "real column 'n' cannot list values"),
            (#""kind": "categorical", "categories": ["1"], "values": [1]"#, "cannot have min, max, precision or values"),
        ] {
            let error = try loadError(column(fields))
            XCTAssertTrue(error.message.contains(expected), error.message)
            XCTAssertEqual(error.location?.line, 4, error.message)
        }
        let tooMany = (0...ColumnSchema.largestValueList).map(String.init).joined(separator: ", ")
        let error = try loadError(column(#""kind": "integer", "min": 0, "max": 99999, "values": [\#(tooMany)]"#))
        XCTAssertTrue(error.message.contains("lists 4097 values; give 1 to 4096"), error.message)
        let fractional = try loadError(column(#""kind": "integer", "min": 0, "max": 9, "values": [1.5]"#))
        XCTAssertTrue(fractional.message.contains("values must be whole numbers (found 1.5)"), fractional.message)
        XCTAssertEqual(fractional.location?.line, 4, fractional.message)
    }

    func testRefusesMalformedJSONAndWrongTypes() throws {
        let syntax = try loadError("{\"source\": \"data\", \"columns\": [")
        XCTAssertTrue(syntax.message.hasPrefix("not valid JSON"), syntax.message)
        XCTAssertTrue(syntax.location!.file.hasSuffix("s.json"))
        let stray = try loadError("{\n  \"source\": x}")
        XCTAssertEqual(stray.location?.line, 2)
        XCTAssertEqual(stray.location?.column, 13)

        let missingKey = try loadError(#"{"columns": []}"#)
        XCTAssertTrue(missingKey.message.contains("missing key 'source'"), missingKey.message)

        let wrongType = try loadError("{\n\"source\": \"data\",\n\"columns\": [{\"name\": \"a\", \"kind\": \"integer\", \"min\": \"one\", \"max\": 2}]}")
        XCTAssertEqual(wrongType.location?.line, 3)
        XCTAssertTrue(wrongType.message.contains("columns[0].min"), wrongType.message)

        let badKind = try loadError(#"{"source": "data", "columns": [{"name": "a", "kind": "text"}]}"#)
        XCTAssertTrue(badKind.message.contains("kind"), badKind.message)

        // Valid JSON whose number a whole-number field cannot hold was "not valid JSON".
        let fraction = try loadError(#"{"source": "data", "columns": [{"name": "a", "kind": "real", "min": 0, "max": 1, "precision": 2.5}]}"#)
        XCTAssertTrue(fraction.message.hasPrefix("a number does not fit its field: a fraction"), fraction.message)
    }

    /// A misspelt kind in the fourth column is reported at its own line and column (not at the first
    /// line that mentions "kind"), with the valid kinds and no Swift type name.
    func testMisspeltKindPointsAtItsValue() throws {
        var lines = ["{", "  \"source\": \"public\",", "  \"columns\": ["]
        for index in 0..<4 {
            lines += ["    {", "      \"name\": \"c\(index)\",", "      \"kind\": \"\(index == 3 ? "categorial" : "categorical")\",",
                      "      \"categories\": [\"x\", \"y\"]", index == 3 ? "    }" : "    },"]
        }
        lines += ["  ]", "}"]
        let error = try loadError(lines.joined(separator: "\n"))
        XCTAssertEqual(error.message, "unknown kind 'categorial' at .columns[3].kind (expected categorical, integer or real)")
        XCTAssertEqual(error.location?.line, 3 + 3 * 5 + 3, "the fourth column's kind line")
        XCTAssertEqual(error.location?.column, 15)
        XCTAssertFalse(error.description.contains("ColumnKind"))
        let source = try loadError(#"{"source": "private", "columns": []}"#)
        XCTAssertEqual(source.message, "unknown source 'private' at .source (expected data, public or dp)")
        XCTAssertEqual(source.location?.column, 12)
    }

    /// The locator follows keys and indexes through nested values, strings with escaped quotes
    /// and brackets included, and gives up on a path that is not there.
    func testJSONPathLocator() {
        let text = "{\"a\": \"x\\\"]}\", \"b\": [1, {\"c\": [true, null]}, 3],\n \"d\": {\"e\": -2.5e3}}"
        XCTAssertEqual(JSONPathLocator.position(of: [.key("b"), .index(1), .key("c"), .index(1)], in: text)?.column, 38)
        XCTAssertEqual(JSONPathLocator.position(of: [.key("b"), .index(2)], in: text)?.column, 46)
        let e = JSONPathLocator.position(of: [.key("d"), .key("e")], in: text)
        XCTAssertEqual(e?.line, 2)
        XCTAssertEqual(e?.column, 13)
        XCTAssertNil(JSONPathLocator.position(of: [.key("b"), .index(3)], in: text))
        XCTAssertNil(JSONPathLocator.position(of: [.key("z")], in: text))
    }

    /// Values quoted in messages keep to one line and a readable length.
    func testQuotedValuesAreEscapedAndCut() {
        XCTAssertEqual(InputError.quoted("a\nb\tc\u{0}"), "a\\nb\\tc\\u{00}")
        let long = InputError.quoted(String(repeating: "x", count: 100_000))
        XCTAssertEqual(long.count, InputError.quotedLength + 1)
        XCTAssertTrue(long.hasSuffix("…"))
    }
}
