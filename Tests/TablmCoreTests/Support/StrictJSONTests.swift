import Foundation
import TablmCore
import XCTest

final class StrictJSONTests: XCTestCase {
    private func check(_ text: String) -> StrictJSON.Violation? { StrictJSON.check(Array(text.utf8)) }

    /// Foundation's parser accepts each of these; RFC 8259's grammar or its unique-names advice does not.
    func testDuplicateKeysTrailingCommasAndDepth() throws {
        XCTAssertNil(check(#"{"a": [1, 2, {"b": "x\"}"}], "c": {}, "d": []}"#))
        let twice = try XCTUnwrap(check("{\n  \"a\": 1,\n  \"a\": 2}"))
        XCTAssertEqual(twice.message, "key \"a\" appears twice in one object")
        XCTAssertEqual([twice.line, twice.column, twice.offset], [3, 3, 14])
        XCTAssertNil(check(#"{"a": {"a": 1}}"#), "the same key in nested objects is fine")
        XCTAssertEqual(check(#"{"a": 1,}"#)?.message, "trailing comma before '}'")
        XCTAssertEqual(check(#"[1, 2, ]"#)?.message, "trailing comma before ']'")
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        XCTAssertEqual(check(deep)?.message, "nested deeper than 256 levels")
        XCTAssertNil(check(String(repeating: "[", count: 200) + String(repeating: "]", count: 200)))
    }

    /// The readers refuse them with the file, line and column.
    func testReadersRefuseThem() throws {
        let folder = try Fixtures.scratchFolder(self)
        let schema = try Fixtures.write("{\"source\": \"public\", \"source\": \"data\", \"columns\": []}", named: "s.json", in: folder)
        XCTAssertThrowsError(try SchemaFile.load(path: schema)) { error in
            XCTAssertEqual("\(error)", "\(schema):1:22: key \"source\" appears twice in one object")
        }
        let config = try Fixtures.write(#"{"vocab_size": 9, "n_positions": 4, "n_embd": 4, "n_layer": 1, "n_head": 1, "n_embd": 8}"#, named: "config.json", in: folder)
        XCTAssertThrowsError(try Checkpoint.loadConfig(path: config)) { error in
            XCTAssertTrue("\(error)".hasSuffix("config.json:1:77: key \"n_embd\" appears twice in one object"), "\(error)")
        }
        let header = Array(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]},}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        bytes += [0, 0, 0, 0]
        let weights = folder.appendingPathComponent("w.safetensors")
        try Data(bytes).write(to: weights)
        XCTAssertThrowsError(try SafeTensorsFile(path: weights.path)) { error in
            XCTAssertTrue("\(error)".contains("the header breaks JSON's rules at byte \(8 + header.count - 1): trailing comma before '}'"), "\(error)")
        }
    }
}
