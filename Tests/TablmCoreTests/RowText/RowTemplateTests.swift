import TablmCore
import XCTest

final class RowTemplateTests: XCTestCase {
    func testBundledTemplateFileIsTheBuiltInDefault() throws {
        let path = Fixtures.repositoryRoot.appendingPathComponent("Prompts/row-template.txt").path
        XCTAssertEqual(try RowTemplate.load(path: path), .standard)
        XCTAssertEqual(try RowTemplate.parse(RowTemplate.standard.fileText, file: "x"), .standard)
    }

    func testCustomTemplateWithQuotesAndEscapes() throws {
        let text = """
        # a comment
        field = "<{column}=\\"{value}\\">"
          separator = " | "
        missing = "N/A"
        """
        let template = try RowTemplate.parse(text, file: "t.txt")
        XCTAssertEqual(template, RowTemplate(prefix: "<", infix: "=\"", suffix: "\">", separator: " | ", missing: "N/A"))
        XCTAssertEqual(try RowTemplate.parse(template.fileText, file: "x"), template)
    }

    private func error(_ text: String) -> InputError? {
        do {
            _ = try RowTemplate.parse(text, file: "t.txt")
            return nil
        } catch {
            return error as? InputError
        }
    }

    /// A 1,000-character separator crashed SentencePiece's training; a missing spelling holding the
    /// separator could not be told from two fields.
    func testLongPartsAndAmbiguousMissingSpellingsAreRefused() {
        let long = String(repeating: "-", count: 1000)
        XCTAssertEqual(error("field = \"{column} is {value}\"\nseparator = \"\(long)\"\nmissing = \"m\"")?.message,
                       "the template's parts must be at most 64 characters (one has 1000)")
        XCTAssertEqual(error("field = \"{column} is {value}\"\nseparator = \", \"\nmissing = \"n, a\"")?.message.contains("missing spelling"), true)
        XCTAssertNil(error("field = \"{column} is {value}\"\nseparator = \"\(String(repeating: "-", count: 64))\"\nmissing = \"m\""))
    }

    func testErrorsNameLineAndColumn() {
        let unquoted = error("field = \"{column} is {value}\"\nseparator = , \nmissing = \"m\"")
        XCTAssertEqual(unquoted?.location, SourceLocation(file: "t.txt", line: 2, column: 13))
        XCTAssertEqual(error("colour = \"x\"")?.message, "unknown key 'colour' (expected field, separator, missing)")
        XCTAssertEqual(error("field = \"{value} {column}\"\nseparator = \",\"\nmissing = \"m\"")?.message,
                       "field must contain {column} once, then {value} once")
        XCTAssertEqual(error("field = \"{column}{value}\"\nseparator = \",\"\nmissing = \"m\"")?.message,
                       "field needs text between {column} and {value}")
        XCTAssertEqual(error("field = \"{column} is {value}\"\nmissing = \"m\"")?.message, "'separator' is not set")
        XCTAssertEqual(error("field = \"{column} is {value}")?.message, "the value's closing quote is missing")
    }

    func testMissingSpellingMustNotBeACategory() {
        let schema = Schema(columns: [.categorical("a", ["missing", "x"], allowsMissing: true)], source: .public)
        XCTAssertThrowsError(try RowTemplate.standard.validate(against: schema, file: "s.json"))
    }
}
