import CSentencePiece
import Foundation

/// Trains a SentencePiece unigram tokenizer for row text.
///
/// Choices, all for row text rather than prose:
/// - Each column's lead-in is one user-defined symbol: `age is ` for the first field of a row and
///   `, age is ` for the others (`RowConstraint` matches lead-ins whole). That is one token per
///   field for its structure instead of three, 45 % fewer tokens on an Adult row, and training and
///   sampling time is proportional to tokens. Names, the template's words and the missing spelling
///   are symbols too; so are the categories while there are at most `maxCategoryPieces` of them (one
///   token per value: shorter rows, simpler constraints).
/// - The lead-in and value of a column with a value list (categories, or listed integers) are one
///   symbol together (`, workclass is Private`, `, age is 39`: `FieldPieces`), up to
///   `fieldPieceBudget` of them, except for the target and sensitive columns.
/// - Digits are split (`split_digits`), giving the model a fixed digit alphabet for numbers.
/// - Identity normalization, no dummy prefix, no whitespace folding: decode(encode(text)) == text.
/// - ids: 0 `<unk>`, 1 `<s>` (BOS), 2 `</s>` (EOS, ends a row), 3 `<pad>`.
///
/// SentencePiece's flag parser splits lists at commas, so symbols containing one (the `, `
/// separator) are added to the trained model's piece list afterwards, as user-defined pieces.
public enum TokenizerTrainer {
    public struct Options: Sendable {
        /// Upper bound on the vocabulary; nil picks what the schema needs plus 64 learned pieces.
        public var vocabularySize: Int?
        public var maxCategoryPieces = 4096
        /// One piece per lead-in (`, age is `); false spells it as separator, name and infix, as
        /// tokenizers made before lead-in pieces did (kept so their checkpoints are tested).
        public var leadInPieces = true
        /// At most this many field pieces (`FieldPieces`); 0 for none, as tokenizers made before them.
        public var fieldPieceBudget = FieldPieces.defaultBudget
        /// Columns (besides the schema's target and sensitive ones) that get no field pieces.
        public var keepApart: [String] = []
        public init() {}
    }

    /// What training produced, for the user's log.
    public struct Report: Sendable {
        public var vocabularySize: Int
        public var userDefinedSymbols: Int
        public var sentences: Int
    }

    /// Trains from the schema alone (no rows are read).
    public static func train(schema: Schema, template: RowTemplate, options: Options = Options()) throws -> (model: [UInt8], report: Report) {
        let schemaHash = SHA256.hex(try SchemaFile.encode(schema))
        let corpus = SchemaCorpus.sentences(schema: schema, template: template)
        return try train(sentences: corpus, schema: schema, template: template,
                         record: .schema(schemaSHA256: schemaHash, schemaSource: schema.source), options: options)
    }

    /// Trains on the serialized rows of a CSV file (random column order). The model records that it
    /// saw rows; private training refuses such a tokenizer.
    public static func train(schema: Schema, template: RowTemplate, dataPath: String, options: Options = Options()) throws -> (model: [UInt8], report: Report) {
        let serializer = RowSerializer(schema: schema, template: template)
        let reader = try CSVRecordReader(path: dataPath)
        let decoder = try RowDecoder(schema: schema, header: reader.header, file: dataPath)
        var sentences: [String] = []
        try reader.forEachRecord { record in
            let row = try decoder.row(from: record, file: dataPath)
            sentences.append(serializer.text(for: row, order: serializer.columnOrder(seed: 0, rowIndex: sentences.count)))
        }
        sentences.append(SchemaCorpus.alphabet(schema: schema, template: template))
        guard let data = FileManager.default.contents(atPath: dataPath) else {
            throw InputError("cannot read file", at: SourceLocation(file: dataPath))
        }
        return try train(sentences: sentences, schema: schema, template: template,
                         record: .rows(dataSHA256: SHA256.hex(data)), options: options)
    }

    /// The user-defined symbols for a schema, in SentencePiece's spelling (U+2581 for a space).
    static func userDefinedSymbols(schema: Schema, template: RowTemplate, maxCategoryPieces: Int, leadIns: Bool,
                                   fieldPieceBudget: Int, keepApart: [String]) -> [String] {
        var symbols = !leadIns ? [] : schema.columnNames.flatMap { name in
            [template.prefix + name + template.infix, template.separator + template.prefix + name + template.infix]
        }
        if leadIns {
            symbols += FieldPieces.texts(schema: schema, template: template,
                                         columns: FieldPieces.columns(of: schema, budget: fieldPieceBudget, apart: keepApart))
        }
        symbols += schema.columnNames + [template.prefix, template.infix, template.suffix, template.separator, template.missing]
        let categories = schema.columns.flatMap { $0.categories ?? [] }
        if categories.count <= maxCategoryPieces { symbols += categories }
        // A category or name spelt like a control piece (`<unk>`, `<s>`) cannot be a user-defined
        // piece too (SentencePiece refuses the clash); it is spelt by its characters instead, which
        // SentencePiece never reads as the control piece.
        var seen: Set<String> = ["<unk>", "<s>", "</s>", "<pad>"]
        return symbols.filter { !$0.isEmpty }
            .map { $0.replacingOccurrences(of: " ", with: "\u{2581}") }
            .filter { seen.insert($0).inserted }
    }

    static func train(sentences: [String], schema: Schema, template: RowTemplate, record: TokenizerCorpus,
                      options: Options) throws -> (model: [UInt8], report: Report) {
        let allText = schema.columnNames + schema.columns.flatMap { $0.categories ?? [] }
            + [template.prefix, template.infix, template.suffix, template.separator, template.missing]
        if let clash = allText.first(where: { $0.unicodeScalars.contains("\u{2581}") }) {
            throw InputError("\(quoted: clash) contains U+2581 (▁), which SentencePiece uses for a space; rename it")
        }
        let symbols = userDefinedSymbols(schema: schema, template: template, maxCategoryPieces: options.maxCategoryPieces, leadIns: options.leadInPieces,
                                         fieldPieceBudget: options.fieldPieceBudget, keepApart: options.keepApart)
        // Symbols the flag parser cannot carry (a comma, a tab) are added after training.
        let viaFlags = symbols.filter { !$0.unicodeScalars.contains { $0 == "," || $0.properties.isWhitespace } }
        let afterwards = symbols.filter { !viaFlags.contains($0) }
        let characters = Set(sentences.flatMap(\.unicodeScalars)).count
        let required = 4 + symbols.count + characters
        let vocabulary = options.vocabularySize ?? required + 64
        guard vocabulary >= required else {
            throw InputError("a vocabulary of \(vocabulary) is too small: this schema needs at least \(required) pieces (\(symbols.count) names, categories and separators, \(characters) characters, 4 control)")
        }
        let longest = sentences.map(\.utf8.count).max() ?? 0
        let flags = [
            "--model_type=unigram", "--vocab_size=\(vocabulary - afterwards.count)", "--hard_vocab_limit=false",
            "--character_coverage=1.0", "--split_digits=true", "--add_dummy_prefix=false",
            "--remove_extra_whitespaces=false", "--normalization_rule_name=identity",
            "--unk_id=0", "--bos_id=1", "--eos_id=2", "--pad_id=3", "--input_sentence_size=0",
            "--shuffle_input_sentence=false", "--num_threads=2", "--max_sentence_length=\(max(4192, longest + 1))",
            "--max_sentencepiece_length=64",
        ] + (viaFlags.isEmpty ? [] : ["--user_defined_symbols=" + viaFlags.joined(separator: ",")])

        var model: UnsafeMutablePointer<CChar>?
        var length = 0
        var error: UnsafeMutablePointer<CChar>?
        let status = sentences.withCStrings { pointers, lengths in
            tablm_sp_train(flags.joined(separator: " "), pointers, lengths, sentences.count, &model, &length, &error)
        }
        guard status == 0, let model else {
            defer { tablm_sp_free_string(error) }
            throw InputError("SentencePiece training failed: \(error.map { String(cString: $0) } ?? "no reason given")")
        }
        defer { tablm_sp_free_string(model) }
        var proto = try SentencePieceModelProto(bytes: UnsafeRawBufferPointer(start: model, count: length))
        proto.addUserDefined(afterwards)
        proto.trainingInputs = [record.record]
        let bytes = proto.serialized()

        // Self-check before anything is written: every symbol is one piece, every sentence round-trips.
        let tokenizer = try Tokenizer(modelBytes: bytes)
        for symbol in symbols where tokenizer.id(ofPiece: symbol) == nil {
            throw InputError("internal: \(quoted: symbol) did not become a single piece")
        }
        for sentence in sentences.prefix(2000) where try tokenizer.decode(tokenizer.encode(sentence)) != sentence {
            throw InputError("internal: the trained tokenizer does not round-trip \(quoted: sentence)")
        }
        return (bytes, Report(vocabularySize: tokenizer.vocabularySize, userDefinedSymbols: symbols.count, sentences: sentences.count))
    }
}

extension Array where Element == String {
    /// Calls `body` with C pointers to every string's UTF-8 bytes (one contiguous buffer) and their lengths.
    func withCStrings<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R) -> R {
        var bytes: [CChar] = []
        var offsets: [Int] = []
        var lengths: [Int] = []
        for string in self {
            offsets.append(bytes.count)
            lengths.append(string.utf8.count)
            bytes.append(contentsOf: string.utf8.map { CChar(bitPattern: $0) })
        }
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { base in
            let pointers: [UnsafePointer<CChar>?] = offsets.map { base.baseAddress! + $0 }
            return pointers.withUnsafeBufferPointer { pointers in
                lengths.withUnsafeBufferPointer { body(pointers.baseAddress!, $0.baseAddress!) }
            }
        }
    }
}
