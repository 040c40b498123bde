import Foundation
import TablmCore
import XCTest

/// `TokenizedLines` encodes each line of a file (standard input for `tablm tokenize`) and refuses one
/// longer than `longestLine` bytes, naming its line and length, before SentencePiece sees it.
final class TokenizedLinesTests: XCTestCase {
    func testLinesAreEncodedAndALongOneIsRefused() throws {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99)], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tokenized-lines-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let longest = String(repeating: "age is 42, ", count: TokenizedLines.longestLine / 11) + String(repeating: "4", count: TokenizedLines.longestLine % 11)
        XCTAssertEqual(longest.utf8.count, 1 << 18)
        try ("age is 7\r\n" + longest + "\n" + longest + "4\n").write(toFile: path, atomically: false, encoding: .utf8)
        let lines = TokenizedLines(tokenizer: tokenizer, lines: try TextLines(path: path))
        XCTAssertEqual(try lines.next(), try tokenizer.encode("age is 7"), "CRLF is a line ending")
        XCTAssertNotNil(try lines.next(), "a line of exactly the bound is encoded")
        XCTAssertThrowsError(try lines.next()) { error in
            XCTAssertEqual("\(error)", "\(path):3: a line of 262145 bytes, longer than the 262144 bytes a row of text may take")
        }
    }
}
