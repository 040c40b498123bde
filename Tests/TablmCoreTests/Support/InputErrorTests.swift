import XCTest
@testable import TablmCore

final class InputErrorTests: XCTestCase {
    func testDescriptionIsOneBoundedLineWhateverTheMessageHolds() {
        let error = InputError("bad \("a\nb") and \(String(repeating: "z", count: 5_000))", at: SourceLocation(file: "f.csv", line: 2))
        let line = error.description
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.hasPrefix("f.csv:2: bad a\\nb and zzz"), line)
        XCTAssertEqual(line.count, InputError.lineLength + 2, "cut after 1,000 characters (one of them escaped as two), with an ellipsis")
        XCTAssertTrue(line.hasSuffix("z…"))
        XCTAssertEqual(InputError("short").description, "short")
    }

    func testQuotedAndNamesInterpolations() {
        XCTAssertEqual("\(quoted: "x\ty")", "'x\\ty'")
        XCTAssertEqual("\(quoted: String(repeating: "é", count: 70))", "'" + String(repeating: "é", count: 60) + "…'")
        XCTAssertEqual("\(names: ["a", "b\nc"])", "a, b\\nc")
        let many = (1...20).map { "c\($0)" }
        XCTAssertEqual("\(names: many)", "c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, … (20 in all)")
    }

    func testControlCharacterNamesTheFirstOne() {
        XCTAssertNil(InputError.controlCharacter(in: "Married-civ-spouse é ✓"))
        XCTAssertEqual(InputError.controlCharacter(in: "a\u{0}b\n"), "U+0000")
        XCTAssertEqual(InputError.controlCharacter(in: "a\u{2028}b"), "U+2028", "a Unicode line separator is a line break")
        XCTAssertEqual(InputError.controlCharacter(in: "\u{7F}"), "U+007F")
    }
}
