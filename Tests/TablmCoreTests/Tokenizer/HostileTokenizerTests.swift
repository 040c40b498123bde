import Foundation
import TablmCore
import XCTest

/// Tokenizer models edited byte for byte: a `</s>` that lost its control type, a NaN score. Each is
/// refused with the reason instead of loading (and appending id -1 to every row, or sampling NaN).
final class HostileTokenizerTests: XCTestCase {
    private func model() throws -> [UInt8] {
        let schema = Schema(columns: [.categorical("sex", ["Female", "Male"])], source: .public)
        return try TokenizerTrainer.train(schema: schema, template: .standard).model
    }

    /// Offset of a piece's record (`0a len text`) in the model's bytes.
    private func offset(of piece: String, in bytes: [UInt8]) throws -> Int {
        let needle: [UInt8] = [0x0A, UInt8(piece.utf8.count)] + Array(piece.utf8)
        return try XCTUnwrap((0...(bytes.count - needle.count)).first { Array(bytes[$0..<$0 + needle.count]) == needle })
    }

    func testEndOfRowThatIsNotAControlPieceIsRefused() throws {
        var bytes = try model()
        XCTAssertNoThrow(try Tokenizer(modelBytes: bytes))
        let start = try offset(of: "</s>", in: bytes) + 6
        // score (field 2, fixed32: 0x15 + 4 bytes), then type (field 3, varint: 0x18 0x03 = CONTROL).
        XCTAssertEqual(Array(bytes[start + 5..<start + 7]), [0x18, 0x03])
        bytes[start + 6] = 0x01
        XCTAssertThrowsError(try Tokenizer(modelBytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("the model has no </s> control piece (SentencePiece gives id -1"), "\(error)")
        }
    }

    func testNonFiniteScoresAreRefused() throws {
        var bytes = try model()
        let start = try offset(of: "Female", in: bytes) + 8
        XCTAssertEqual(bytes[start], 0x15)
        bytes.replaceSubrange(start + 1..<start + 5, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Array($0) })
        XCTAssertThrowsError(try Tokenizer(modelBytes: bytes)) { error in
            XCTAssertTrue("\(error)".contains("scores must be finite"), "\(error)")
        }
    }
}
