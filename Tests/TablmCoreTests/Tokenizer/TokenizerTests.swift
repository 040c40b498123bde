import Foundation
import TablmCore
import XCTest

final class TokenizerTests: XCTestCase {
    private func schemaTokenizer(_ schema: Schema, template: RowTemplate = .standard) throws -> Tokenizer {
        try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: template).model)
    }

    private let smallSchema = Schema(
        columns: [
            .integer("age", min: 17, max: 90),
            .categorical("work class", ["Private", "Self-emp, inc", "State gov"], allowsMissing: true),
            .real("score", min: -1.5, max: 2.25, precision: 2),
        ],
        source: .public)

    func testSpecialIdsAndStructuralPieces() throws {
        let tokenizer = try schemaTokenizer(smallSchema)
        XCTAssertEqual([tokenizer.unknownID, tokenizer.bosID, tokenizer.eosID, tokenizer.padID], [0, 1, 2, 3])
        XCTAssertTrue(tokenizer.isControl(tokenizer.eosID))
        for piece in ["age▁is▁", ",▁age▁is▁", "work▁class▁is▁", ",▁work▁class▁is▁", "score▁is▁", ",▁score▁is▁",
                      "age", "▁is▁", ",▁", "missing", "Self-emp,▁inc", "State▁gov"] {
            XCTAssertNotNil(tokenizer.id(ofPiece: piece), piece)
        }
        XCTAssertEqual(try tokenizer.encode("12345").count, 5, "digits are split")
        XCTAssertEqual(tokenizer.corpus.isRowFree, true)
    }

    func testEncodingOfARowUsesOnePiecePerLeadInAndCategory() throws {
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = 0
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: smallSchema, template: .standard, options: options).model)
        let text = "work class is Self-emp, inc, age is 39, score is -0.05"
        let ids = try tokenizer.encode(text)
        let pieces = ids.map { tokenizer.pieces[Int($0)] }
        // The category holding ", " stays whole: the longest symbol wins at each position.
        XCTAssertEqual(pieces, ["work▁class▁is▁", "Self-emp,▁inc", ",▁age▁is▁", "3", "9", ",▁score▁is▁", "-", "0", ".", "0", "5"])
        XCTAssertEqual(try tokenizer.decode(ids), text)
        // With field pieces (the default) the categorical field is one token, lead-in and value.
        let joined = try schemaTokenizer(smallSchema)
        XCTAssertEqual(try joined.encode(text).map { joined.pieces[Int($0)] },
                       ["work▁class▁is▁Self-emp,▁inc", ",▁age▁is▁", "3", "9", ",▁score▁is▁", "-", "0", ".", "0", "5"])
        XCTAssertEqual(try joined.decode(joined.encode(text)), text)
    }

    /// Field pieces on Adult (target income, sensitive sex): every field of a column with a value
    /// list (categories, or an integer column's listed values) is one token, except the target's
    /// and the sensitive column's, which stay lead-in + value; other numbers are lead-in + one token a
    /// character. Checked on every training row against that count, made from the row's own fields.
    func testFieldPiecesMakeEveryListedFieldOneToken() throws {
        let path = try Fixtures.bundledData("adult_train.csv")
        var inference = SchemaInference.Options()
        inference.target = "income"
        inference.sensitive = ["sex"]
        let schema = try SchemaInference.infer(csvPath: path, options: inference).schema
        let tokenizer = try schemaTokenizer(schema)
        let listed = schema.columns.map { $0.kind == .categorical || $0.values != nil }
        XCTAssertEqual(schema.columnNames.enumerated().filter { listed[$0.offset] }.map(\.element),
                       ["age", "workclass", "education", "education_num", "marital_status", "occupation", "relationship",
                        "race", "sex", "capital_gain", "capital_loss", "hours_per_week", "native_country", "income"])
        let serializer = RowSerializer(schema: schema)
        let reader = try CSVRecordReader(path: path)
        let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
        var texts: [String] = [], expected: [Int] = []
        try reader.forEachRecord { record in
            let row = try decoder.row(from: record, file: path)
            texts.append(serializer.text(for: row, order: serializer.columnOrder(seed: 3, rowIndex: texts.count)))
            expected.append(zip(schema.columns, row).reduce(0) { total, field in
                let (column, cell) = field
                if listed[schema.index(of: column.name)!] && column.name != "income" && column.name != "sex" { return total + 1 }
                switch cell {
                case .number(let n): return total + 1 + String(n).count
                case .category, .missing: return total + 2
                }
            })
        }
        let encoded = try tokenizer.encode(batch: texts)
        XCTAssertEqual(encoded.map(\.count), expected)
        XCTAssertEqual(try encoded.prefix(500).map { try tokenizer.decode($0) }, Array(texts.prefix(500)))
        XCTAssertEqual(Double(expected.reduce(0, +)) / Double(expected.count), 22.82, accuracy: 0.01, "tokens a row, from 37.8")

        // The sensitive column and the target are apart; so is a column named on top of them.
        func joins(_ tokenizer: Tokenizer, _ name: String) throws -> Bool {
            try tokenizer.joinsLeadIn(of: schema.columns[schema.index(of: name)!], template: .standard)
        }
        XCTAssertEqual(try ["workclass", "age", "fnlwgt", "sex", "income"].map { try joins(tokenizer, $0) }, [true, true, false, false, false])
        var options = TokenizerTrainer.Options()
        options.keepApart = ["race"]
        XCTAssertFalse(try joins(Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model), "race"))
        // A budget of pieces is spent in schema order on the columns that fit: age (2 × 73 values)
        // does not fit 100, workclass (2 × 9 with missing), education (32), education_num (32) and
        // marital_status (14) do, and nothing else fits the 4 left.
        XCTAssertEqual(FieldPieces.columns(of: schema, budget: 100).map { schema.columnNames[$0] },
                       ["workclass", "education", "education_num", "marital_status"])
        options.fieldPieceBudget = 0
        let apart = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        XCTAssertFalse(try schema.columnNames.contains { try joins(apart, $0) })
    }

    /// Values spelt like SentencePiece's control pieces: training failed with SentencePiece's
    /// "insert_meta_symbol" error, naming no column. They are spelt by their characters, never read
    /// as the control pieces.
    func testValuesSpeltLikeControlPiecesAreSpeltByTheirCharacters() throws {
        let schema = Schema(columns: [.categorical("<s>", ["<unk>", "<s>", "</s>", "<pad>", "q"]), .categorical("b", ["x", "<pad>"])],
                            source: .public)
        for budget in [0, FieldPieces.defaultBudget] {
            var options = TokenizerTrainer.Options()
            options.fieldPieceBudget = budget
            let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
            XCTAssertEqual([tokenizer.unknownID, tokenizer.bosID, tokenizer.eosID, tokenizer.padID], [0, 1, 2, 3])
            for value in ["<unk>", "<s>", "</s>", "<pad>"] {
                let text = "<s> is \(value), b is <pad>"
                let ids = try tokenizer.encode(text)
                XCTAssertFalse(ids.contains { (0...3).contains($0) }, "\(text): \(ids)")
                XCTAssertEqual(try tokenizer.decode(ids), text)
            }
        }
    }

    func testCharactersOutsideTheAlphabetAreRefusedWithThePosition() throws {
        let tokenizer = try schemaTokenizer(smallSchema)
        XCTAssertThrowsError(try tokenizer.encode("age is 3€")) { error in
            XCTAssertEqual((error as? TokenizerError)?.message,
                           "character '€' (U+20AC) at position 9 is not in this tokenizer's alphabet")
        }
        XCTAssertThrowsError(try tokenizer.decode([9999]))
    }

    func testBatchEncodingMatchesOneByOne() throws {
        let tokenizer = try schemaTokenizer(smallSchema)
        let texts = (0..<1000).map { "age is \($0 % 74 + 17), score is 0.\($0 % 10)0, work class is missing" }
        XCTAssertEqual(try tokenizer.encode(batch: texts), try texts.map { try tokenizer.encode($0) })
    }

    func testVocabularyTooSmallAndCorruptModels() throws {
        var options = TokenizerTrainer.Options()
        options.vocabularySize = 10
        XCTAssertThrowsError(try TokenizerTrainer.train(schema: smallSchema, template: .standard, options: options)) { error in
            XCTAssertTrue("\(error)".contains("too small"), "\(error)")
        }
        let model = try TokenizerTrainer.train(schema: smallSchema, template: .standard).model
        // Cut anywhere inside the pieces or specs, the model is refused (not loaded half).
        for cut in stride(from: 0, to: model.count - 1, by: 3) {
            XCTAssertThrowsError(try Tokenizer(modelBytes: Array(model.prefix(cut))), "cut at \(cut) of \(model.count)")
        }
        XCTAssertThrowsError(try Tokenizer(modelBytes: Array("not a model".utf8)))
        XCTAssertThrowsError(try Tokenizer.load(path: "/nonexistent.model")) { error in
            XCTAssertEqual("\(error)", "/nonexistent.model: no such file")
        }
    }

    /// The acceptance: a tokenizer trained from the schema only encodes every real row of Adult
    /// and German credit with no unknown piece, decodes it back exactly, and gives each column's
    /// lead-in (`age is ` first, `, age is ` after) one token.
    func testSchemaOnlyTokenizerCoversEveryRealRow() throws {
        for file in ["adult_train.csv", "adult_test.csv", "german_credit.csv"] {
            let path = try Fixtures.bundledData(file)
            let schema = try SchemaInference.infer(csvPath: path).schema
            let tokenizer = try schemaTokenizer(schema)
            // A field starts with one token naming its column: the lead-in, or a field piece (lead-in and value).
            let leadIDs = try schema.columns.map { column -> Set<Int32> in
                let first = try tokenizer.encode(column.name + " is "), later = try tokenizer.encode(", " + column.name + " is ")
                XCTAssertEqual([first.count, later.count], [1, 1], "the lead-ins of '\(column.name)' are one token each")
                let values = (column.categories ?? column.values?.map { String($0) } ?? []) + (column.allowsMissing ? [RowTemplate.standard.missing] : [])
                let fields = values.flatMap { value in
                    [column.name + " is " + value, ", " + column.name + " is " + value].compactMap {
                        tokenizer.id(ofPiece: $0.replacingOccurrences(of: " ", with: "\u{2581}"))
                    }
                }
                return Set(first + later + fields)
            }
            let serializer = RowSerializer(schema: schema)
            let reader = try CSVRecordReader(path: path)
            let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
            var texts: [String] = []
            try reader.forEachRecord { record in
                let row = try decoder.row(from: record, file: path)
                texts.append(serializer.text(for: row, order: serializer.columnOrder(seed: 9, rowIndex: texts.count)))
            }
            let encoded = try tokenizer.encode(batch: texts)
            for (text, ids) in zip(texts, encoded) {
                XCTAssertFalse(ids.contains(tokenizer.unknownID))
                XCTAssertEqual(try tokenizer.decode(ids), text)
                XCTAssertTrue(leadIDs.allSatisfy { ids.filter($0.contains).count == 1 }, "every column's field starts once, with one token: \(text)")
            }
        }
    }

    func testCorpusIsRecordedInTheModel() throws {
        let folder = try Fixtures.scratchFolder(self)
        let data = try Fixtures.write("age,work class,score\n39,Private,0.5\n", named: "d.csv", in: folder)
        let fromRows = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: smallSchema, template: .standard, dataPath: data).model)
        XCTAssertEqual(fromRows.corpus, .rows(dataSHA256: SHA256.hex(Array("age,work class,score\n39,Private,0.5\n".utf8))))
        XCTAssertFalse(fromRows.corpus.isRowFree)
        let schemaHash = SHA256.hex(try SchemaFile.encode(smallSchema))
        XCTAssertEqual(try schemaTokenizer(smallSchema).corpus, .schema(schemaSHA256: schemaHash, schemaSource: .public))
    }

    /// Python's `sentencepiece` loads the model file and gives the same ids (skipped if not installed).
    func testPythonSentencePieceGivesTheSameIds() throws {
        let folder = try Fixtures.scratchFolder(self)
        let modelPath = folder.appendingPathComponent("t.model").path
        try Data(TokenizerTrainer.train(schema: smallSchema, template: .standard).model).write(to: URL(fileURLWithPath: modelPath))
        let texts = ["age is 39, work class is Self-emp, inc, score is -0.05",
                     "score is 2.25, work class is missing, age is 90",
                     "work class is State gov, age is 17, score is 0.00"]
        let textPath = try Fixtures.write(texts.joined(separator: "\n") + "\n", named: "t.txt", in: folder)
        let script = """
        import sys
        try:
            import sentencepiece
        except ImportError:
            sys.exit(77)
        sp = sentencepiece.SentencePieceProcessor(model_file=sys.argv[1])
        for line in open(sys.argv[2], encoding="utf-8").read().splitlines():
            print(" ".join(map(str, sp.encode(line))))
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, modelPath, textPath]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { throw XCTSkip("python3 is not available") }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        if process.terminationStatus == 77 { throw XCTSkip("Python's sentencepiece is not installed") }
        XCTAssertEqual(process.terminationStatus, 0)
        let tokenizer = try Tokenizer.load(path: modelPath)
        let ours = try texts.map { try tokenizer.encode($0).map(String.init).joined(separator: " ") }
        XCTAssertEqual(String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init), ours)
    }
}
