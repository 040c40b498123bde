import Foundation
import XCTest

final class TokenizerCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
        try #"""
        {"source": "public", "columns": [
          {"name": "age", "kind": "integer", "min": 0, "max": 99},
          {"name": "sex", "kind": "categorical", "categories": ["Female", "Male"]}
        ]}
        """#.write(to: folder.appendingPathComponent("s.json"), atomically: false, encoding: .utf8)
    }

    private func run(_ arguments: [String], input: String? = nil) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder, input: input)
    }

    func testTrainInspectAndTokenize() throws {
        let train = try run(["tokenizer", "train", "--schema", "s.json", "-o", "t.model"])
        XCTAssertEqual(train.status, 0, train.stderr)
        XCTAssertTrue(train.stderr.contains("synthetic rows from the schema"), train.stderr)
        let inspect = try run(["tokenizer", "inspect", "t.model"])
        XCTAssertTrue(inspect.stdout.contains("ids: unk 0, bos 1, eos 2, pad 3"), inspect.stdout)
        XCTAssertTrue(inspect.stdout.contains("corpus: schema only"), inspect.stdout)
        let pieces = try run(["tokenize", "--tokenizer", "t.model", "--pieces"], input: "age is 42, sex is Female\nsex is Male, age is 7\n")
        // sex is categorical: each of its fields is one field piece, lead-in and value together.
        XCTAssertEqual(pieces.stdout, "age▁is▁ 4 2 ,▁sex▁is▁Female\nsex▁is▁Male ,▁age▁is▁ 7\n")
        let apart = try run(["tokenizer", "train", "--schema", "s.json", "--field-pieces", "0", "-o", "a.model"])
        XCTAssertEqual(apart.status, 0, apart.stderr)
        let split = try run(["tokenize", "--tokenizer", "a.model", "--pieces"], input: "age is 42, sex is Female\n")
        XCTAssertEqual(split.stdout, "age▁is▁ 4 2 ,▁sex▁is▁ Female\n")
        let ids = try run(["tokenize", "--tokenizer", "t.model", "--eos"], input: "age is 42\n")
        XCTAssertEqual(ids.stdout.split(separator: " ").count, 4, "lead-in, two digits, EOS")
        XCTAssertTrue(ids.stdout.hasSuffix(" 2\n"), "ends with the EOS id: \(ids.stdout)")
    }

    func testRowCorpusIsRecorded() throws {
        try "age,sex\n4,Male\n".write(to: folder.appendingPathComponent("d.csv"), atomically: false, encoding: .utf8)
        XCTAssertEqual(try run(["tokenizer", "train", "--schema", "s.json", "--data", "d.csv", "-o", "r.model"]).status, 0)
        XCTAssertTrue(try run(["tokenizer", "inspect", "r.model"]).stdout.contains("not usable for private training"))
    }

    /// Standard input is read through a bounded reader: a line past 16 MiB (`< /dev/zero` is one) is
    /// refused instead of held (a 500 MB line took 24 GB), and a line longer than any row of text is
    /// refused, naming its number and length, before SentencePiece spends quadratic time on it. Each
    /// run is under `ulimit -v` 4 GB, so that a reader without the bound fails at once.
    func testStandardInputIsBounded() throws {
        XCTAssertEqual(try run(["tokenizer", "train", "--schema", "s.json", "-o", "t.model"]).status, 0)
        func tokenize(_ input: String) throws -> CommandResult {
            try CommandRunner.run(["tokenize", "--tokenizer", "t.model"], in: folder, stdin: .file(input), virtualMemoryKB: 4_000_000)
        }
        let zero = try tokenize("/dev/zero")
        XCTAssertEqual(zero.status, 1, zero.stderr)
        XCTAssertEqual(zero.stderr, "Error: <stdin>:1: a line longer than 16777216 bytes\n")

        let row = "age is 4, sex is Male "   // 22 bytes, in the tokenizer's alphabet
        let long = String(repeating: row, count: 12_000)   // 264,000 bytes
        let path = folder.appendingPathComponent("long.txt").path
        try ("age is 7\n" + long + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let refused = try tokenize(path)
        XCTAssertEqual(refused.status, 1, refused.stderr)
        XCTAssertEqual(refused.stderr, "Error: <stdin>:2: a line of 264000 bytes, longer than the 262144 bytes a row of text may take\n")

        try (String(repeating: row, count: 11_915) + "\r\n").write(toFile: path, atomically: false, encoding: .utf8)   // 262,130 bytes
        let accepted = try tokenize(path)
        XCTAssertEqual(accepted.status, 0, accepted.stderr)
        XCTAssertEqual(accepted.stdout.split(separator: "\n").count, 1)
    }

    /// `finetune --tokenizer` with a tokenizer trained from another schema is refused before the
    /// table is read (here it does not exist) or any ε is spent, naming the tokenizer, the category
    /// and its column; it stopped at the first row that used the missing character, as a "column name".
    func testATokenizerThatCannotSpellTheSchemaIsRefusedFirst() throws {
        XCTAssertEqual(try run(["tokenizer", "train", "--schema", "s.json", "-o", "t.model"]).status, 0)
        try #"""
        {"source": "public", "columns": [
          {"name": "age", "kind": "integer", "min": 0, "max": 99},
          {"name": "sex", "kind": "categorical", "categories": ["Female", "Male", "Żeński"]}
        ]}
        """#.write(to: folder.appendingPathComponent("other.json"), atomically: false, encoding: .utf8)
        let expected = "Error: t.model: this tokenizer cannot spell the category 'Żeński' of 'sex' (character 'Ż' (U+017B) at position 1 "
            + "is not in this tokenizer's alphabet) of the schema other.json: train one from it (tablm tokenizer train --schema other.json)\n"
        for privately in [false, true] {
            let result = try run(["finetune", "--schema", "other.json", "--data", "missing.csv", "--tokenizer", "t.model", "--steps", "1", "-o", "ck"]
                                 + (privately ? ["--dp", "--epsilon", "1", "--rows", "100"] : []))
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertEqual(result.stderr, expected)
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ck").path))
        }
    }

    private func expectFailure(_ arguments: [String], input: String? = nil, _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments, input: input)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), result.stderr, file: file, line: line)
    }

    func testBadInputs() throws {
        try #"{"source": "public", "columns": [{"name": "a", "kind": "integer", "min": 0, "max": 9},\#n {"name": "b", "kind": "categorical", "categories": []}]}"#
            .write(to: folder.appendingPathComponent("empty.json"), atomically: false, encoding: .utf8)
        try expectFailure(["tokenizer", "train", "--schema", "empty.json", "-o", "t.model"],
                          "empty.json:2: categorical column 'b' has an empty category list")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("t.model").path))

        try expectFailure(["tokenize", "--tokenizer", "none.model"], input: "x\n", "none.model: no such file")
        try Data("garbage that is not a model".utf8).write(to: folder.appendingPathComponent("bad.model"))
        try expectFailure(["tokenizer", "inspect", "bad.model"], "bad.model: not a SentencePiece model")

        XCTAssertEqual(try run(["tokenizer", "train", "--schema", "s.json", "-o", "t.model"]).status, 0)
        try expectFailure(["tokenize", "--tokenizer", "t.model"], input: "age is 4\nsex is Männlich\n",
                          "<stdin>:2: character 'ä' (U+00E4) at position 9 is not in this tokenizer's alphabet")
        try expectFailure(["tokenizer", "train", "--schema", "s.json", "--vocab-size", "5", "-o", "t2.model"], "too small")
    }
}
