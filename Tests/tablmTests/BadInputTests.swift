import Foundation
import XCTest

/// Every bad input gets one clear stderr line naming file, line and column, a non-zero exit, and no
/// partial output file (an existing one is left as it was).
final class BadInputTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: folder.appendingPathComponent(name))
    }

    private func write(_ name: String, _ text: String) throws {
        try write(name, Array(text.utf8))
    }

    /// Runs tablm, expects failure with one stderr line containing `expected`, and checks that the
    /// folder holds exactly the files it held before (an output named "keep.out" keeps its content).
    private func expectFailure(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try write("keep.out", "previous content\n")
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let result = try CommandRunner.run(arguments, in: folder)
        XCTAssertNotEqual(result.status, 0, "exit status", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one stderr line, got: \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), "stderr: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), before,
                       "no new or temporary files", file: file, line: line)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("keep.out"), encoding: .utf8),
                       "previous content\n", "existing output untouched", file: file, line: line)
    }

    private let schemaJSON = #"""
    {"source": "public", "columns": [
      {"name": "a", "kind": "integer", "min": 0, "max": 9},
      {"name": "b", "kind": "categorical", "categories": ["x", "y"]}
    ]}
    """#

    /// Standard output that cannot take the data (a full disk): one error line and exit 1, both for
    /// a command that streams rows (`serialize` trapped in Foundation's FileHandle.write) and one
    /// that prints a number (`privacy epsilon` lost it with exit 0).
    func testAStandardOutputThatCannotBeWrittenIsAnError() throws {
        guard let full = FileHandle(forWritingAtPath: "/dev/full") else { throw XCTSkip("no /dev/full on this system") }
        let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        for arguments in [["serialize", "--schema", schema, "--data", sample],
                          ["privacy", "epsilon", "--sample-rate", "0.008", "--steps", "100", "--delta", "1e-5", "--noise-multiplier", "1.1"]] {
            let process = Process()
            process.executableURL = try CommandRunner.executable()
            process.arguments = arguments
            process.standardOutput = full
            let errors = Pipe()
            process.standardError = errors
            try process.run()
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 1, "\(arguments[0]): \(message)")
            XCTAssertTrue(message.hasPrefix("Error: cannot write to standard output: "), message)
            XCTAssertEqual(message.split(separator: "\n").count, 1, message)
        }
    }

    func testMissingFile() throws {
        try expectFailure(["schema", "infer", "nope.csv", "-o", "keep.out"], "nope.csv: no such file")
        try write("s.json", schemaJSON)
        try expectFailure(["serialize", "--schema", "s.json", "nope.csv", "-o", "keep.out"], "nope.csv: no such file")
        try expectFailure(["serialize", "--schema", "gone.json", "nope.csv", "-o", "keep.out"], "gone.json: no such file")
    }

    func testRaggedRow() throws {
        try write("d.csv", "a,b\n1,x\n2\n3,y\n")
        try expectFailure(["schema", "infer", "d.csv", "-o", "keep.out"], "d.csv:3:1: row has 1 field, the header has 2")
        try write("s.json", schemaJSON)
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"], "d.csv:3:1: row has 1 field")
    }

    func testInvalidUTF8() throws {
        try write("d.csv", Array("a,b\n1,x\n2,".utf8) + [0xC3, 0x28] + Array("\n".utf8))
        try expectFailure(["schema", "infer", "d.csv", "-o", "keep.out"], "d.csv:3:2 (column 'b'): invalid UTF-8")
        try write("t.txt", Array("a is 1, b is x\na is 2, b is ".utf8) + [0xFF] + Array("\n".utf8))
        try write("s.json", schemaJSON)
        try expectFailure(["parse", "--schema", "s.json", "t.txt", "-o", "keep.out"], "t.txt:2:14: invalid UTF-8")
    }

    func testUnknownColumnInAnOption() throws {
        try write("d.csv", "a,b\n1,x\n")
        try expectFailure(["schema", "infer", "d.csv", "--target", "incme", "-o", "keep.out"],
                          "d.csv:1: no column named 'incme' (columns: a, b)")
        try expectFailure(["schema", "infer", "d.csv", "--sensitive", "sexx", "-o", "keep.out"], "no column named 'sexx'")
    }

    func testEmptyTable() throws {
        try write("empty.csv", "")
        try expectFailure(["schema", "infer", "empty.csv", "-o", "keep.out"], "empty.csv:1: the file is empty")
        try write("header.csv", "a,b\n")
        try expectFailure(["schema", "infer", "header.csv", "-o", "keep.out"], "header.csv:2: the table has a header but no rows")
        try write("s.json", schemaJSON)
        try expectFailure(["serialize", "--schema", "s.json", "header.csv", "-o", "keep.out"], "header but no rows")
    }

    func testDuplicateColumnName() throws {
        try write("d.csv", "a,b,a\n1,x,2\n")
        try expectFailure(["schema", "infer", "d.csv", "-o", "keep.out"], "d.csv:1:3: duplicate column name 'a' (also column 1)")
    }

    func testValuesThatBreakTheSchema() throws {
        try write("s.json", schemaJSON)
        try write("d.csv", "b,a\nx,1\nz,2\n")
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"],
                          "d.csv:3:1 (column 'b'): 'z' is not one of the schema's categories")
        try write("d.csv", "b,a\nx,1\ny,12\n")
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"],
                          "d.csv:3:2 (column 'a'): 12 is outside the schema's range [0, 9]")
        try write("t.txt", "a is 1, b is x\nb is y, a is 3, b is x\n")
        try expectFailure(["parse", "--schema", "s.json", "t.txt", "-o", "keep.out"], "t.txt:2:")
    }

    func testFractionInAnIntegerColumnIsRefusedNotRounded() throws {
        try write("s.json", schemaJSON)
        try write("d.csv", "a,b\n4.0,x\n3.5,y\n")
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"],
                          "d.csv:3:1 (column 'a'): '3.5' is not a whole number (column kind integer)")
        try write("d.csv", "a,b\n4.0,x\n+3,y\n")
        let spelled = try CommandRunner.run(["serialize", "--schema", "s.json", "d.csv", "-o", "t.txt"], in: folder)
        XCTAssertEqual(spelled.status, 0, spelled.stderr)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("t.txt"), encoding: .utf8), "a is 4, b is x\na is 3, b is y\n")
    }

    func testControlCharactersNeverReachASchema() throws {
        try write("d.csv", Array("a,b\n1,x\n2,y".utf8) + [0] + Array("z\n".utf8))
        try expectFailure(["schema", "infer", "d.csv", "-o", "keep.out"],
                          "d.csv:3:2 (column 'b'): the value contains U+0000, a line break or control character")
        try write("d.csv", "a,\"b\nc\"\n1,x\n")
        try expectFailure(["schema", "infer", "d.csv", "-o", "keep.out"], "d.csv:1:2: the column name contains U+000A")
        try write("s.json", schemaJSON.replacingOccurrences(of: #""y"]"#, with: #""y\u0007"]"#))
        try write("d.csv", "a,b\n1,x\n")
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"],
                          "category 'y\\u{07}' of column 'b' contains U+0007, a line break or control character")
    }

    /// A value is quoted escaped and cut: a newline inside a quoted CSV field, a 100,000-character
    /// field or a 10,000-column header cannot split the one-line error or flood stderr.
    func testValuesInMessagesAreEscapedAndCut() throws {
        try write("s.json", schemaJSON)
        try write("d.csv", "a,b\n1,\"x\ny\"\n")
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"], "'x\\ny' is not one of the schema's categories")
        try write("d.csv", "a,b\n1," + String(repeating: "q", count: 100_000) + "\n")
        try expectFailure(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"], "'" + String(repeating: "q", count: 60) + "…' is not one")
        try write("d.csv", (0..<10_000).map { "c\($0)" }.joined(separator: ",") + "\n" + Array(repeating: "1", count: 10_000).joined(separator: ",") + "\n")
        let wide = try CommandRunner.run(["serialize", "--schema", "s.json", "d.csv", "-o", "keep.out"], in: folder)
        XCTAssertNotEqual(wide.status, 0)
        XCTAssertTrue(wide.stderr.contains("(columns: c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, … (10000 in all))"), wide.stderr)
        XCTAssertLessThan(wide.stderr.utf8.count, 300, wide.stderr)
    }

    func testSkipInvalidCountsAndKeepsTheRest() throws {
        try write("s.json", schemaJSON)
        try write("t.txt", "a is 1, b is x\na is 99, b is x\nb is y, a is 3\n")
        let result = try CommandRunner.run(["parse", "--schema", "s.json", "t.txt", "--skip-invalid", "-o", "out.csv"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("2 rows written to out.csv, 1 invalid lines dropped"), result.stderr)
        XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("out.csv"), encoding: .utf8), "a,b\n1,x\n3,y\n")
    }
}
