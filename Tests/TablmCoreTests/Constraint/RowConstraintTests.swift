@testable import TablmCore
import XCTest

final class RowConstraintTests: XCTestCase {
    private struct Setup {
        var schema: Schema
        var tokenizer: Tokenizer
        var sampler: RowSampler
    }

    private func setup(_ file: String, template: RowTemplate = .standard, leadInPieces: Bool = true, fieldPieces: Bool = true) throws -> Setup {
        let schema = try SchemaInference.infer(csvPath: try Fixtures.bundledData(file)).schema
        var options = TokenizerTrainer.Options()
        options.leadInPieces = leadInPieces
        options.fieldPieceBudget = fieldPieces ? FieldPieces.defaultBudget : 0
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: template, options: options).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 8, width: 8, layers: 1, heads: 2))
        return Setup(schema: schema, tokenizer: tokenizer, sampler: RowSampler(model: model, tokenizer: tokenizer, serializer: RowSerializer(schema: schema, template: template)))
    }

    /// Decodes `count` rows with random logits (only the allowed entries are read) and returns their texts.
    private func randomRows(_ setup: Setup, constraint: RowConstraint, count: Int, seed: UInt64) throws -> [String] {
        var generator = SplitMix64(seed: seed)
        var logits = [Float](repeating: 0, count: setup.tokenizer.vocabularySize)
        var scratch: [Float] = [], allowed: [Int32] = []
        var settings = SamplingSettings()
        settings.temperature = 2
        var texts: [String] = []
        for _ in 0..<count {
            var state = constraint.start()
            var ids: [Int32] = []
            while !constraint.isFinished(state) {
                constraint.allowedTokens(state, into: &allowed)
                XCTAssertFalse(allowed.isEmpty, "a state with no way forward")
                for id in allowed { logits[Int(id)] = Float.random(in: -4...4, using: &generator) }
                let token = logits.withUnsafeBufferPointer { setup.sampler.draw(logits: $0, allowed: allowed, settings: settings, scratch: &scratch, generator: &generator) }
                constraint.advance(&state, with: token)
                if token != setup.tokenizer.eosID { ids.append(token) }
                XCTAssertLessThanOrEqual(ids.count, constraint.maximumTokens)
            }
            let text = try setup.tokenizer.decode(ids)
            XCTAssertEqual(try setup.tokenizer.encode(text), ids, "the constrained tokens are the tokenizer's own encoding of the text")
            texts.append(text)
        }
        return texts
    }

    /// Random logits, many seeds, 2,000 rows per table: every row parses (each column exactly once,
    /// categories from the list, numbers in range at the schema's precision).
    func testRandomLogitsAlwaysGiveValidRows() throws {
        for file in ["adult_train.csv", "german_credit.csv"] {
            let setup = try setup(file)
            let constraint = try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer)
            let serializer = RowSerializer(schema: setup.schema)
            var firstColumns = Set<Substring>()
            for seed in UInt64(0)..<20 {
                for text in try randomRows(setup, constraint: constraint, count: 100, seed: seed) {
                    XCTAssertNoThrow(try serializer.parse(text), text)
                    firstColumns.insert(text.prefix { $0 != " " })
                }
            }
            XCTAssertGreaterThan(firstColumns.count, setup.schema.columns.count / 2, "free column order: rows start with different columns")
        }
    }

    /// Lead-ins as one piece (`, age is `) or as three (tokenizers made before lead-in pieces), with
    /// and without field pieces (`, purpose is car` as one), and a template with a prefix and a suffix:
    /// the constraint follows each tokenizer's own encoding (checked in `randomRows`), every row
    /// parses, and the longest row it can write fits `maximumTokens`, which the one-piece tokenizer
    /// shortens by two tokens per later field and one for the first, and field pieces by one more for
    /// each categorical column (German credit lists no integer values).
    func testLeadInsOfOneOrManyPiecesAndTemplatesWithAffixes() throws {
        let bracketed = RowTemplate(prefix: "[", infix: " = ", suffix: "]", separator: "; ", missing: "NA")
        var longest: [String: Int] = [:]
        for (template, leadIns, fields) in [(RowTemplate.standard, false, false), (.standard, true, false), (.standard, true, true),
                                            (bracketed, true, true), (bracketed, true, false), (bracketed, false, false)] {
            let setup = try setup("german_credit.csv", template: template, leadInPieces: leadIns, fieldPieces: fields)
            let constraint = try RowConstraint(schema: setup.schema, template: template, tokenizer: setup.tokenizer)
            let serializer = RowSerializer(schema: setup.schema, template: template)
            for text in try randomRows(setup, constraint: constraint, count: 200, seed: 11) {
                XCTAssertNoThrow(try serializer.parse(text), text)
            }
            if template == .standard { longest["\(leadIns) \(fields)"] = constraint.maximumTokens }
        }
        let schema = try setup("german_credit.csv").schema
        XCTAssertEqual(longest["false false"]! - longest["true false"]!, 2 * (schema.columns.count - 1) + 1)
        XCTAssertEqual(longest["true false"]! - longest["true true"]!, schema.columns.filter { $0.kind == .categorical }.count)
    }

    /// What training writes generation can write: every Adult training row, in the schema's order and
    /// in a random one, encoded by the tokenizer, is allowed token by token by the constraint and ends
    /// it, with field pieces and without.
    func testEveryTrainingRowsOwnTokensAreAllowed() throws {
        for fields in [true, false] {
            let setup = try setup("adult_train.csv", fieldPieces: fields)
            let constraint = try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer)
            let table = try TableData.read(path: try Fixtures.bundledData("adult_train.csv"), schema: setup.schema)
            let serializer = RowSerializer(schema: setup.schema)
            var allowed: [Int32] = []
            for (index, row) in table.rows.prefix(1500).enumerated() {
                let order = index % 2 == 0 ? Array(setup.schema.columns.indices) : serializer.columnOrder(seed: 4, rowIndex: index)
                let ids = try setup.tokenizer.encode(serializer.text(for: row, order: order)) + [setup.tokenizer.eosID]
                var state = constraint.start()
                for id in ids {
                    constraint.allowedTokens(state, into: &allowed)
                    guard allowed.contains(id) else { return XCTFail("token \(setup.tokenizer.pieces[Int(id)]) of row \(index) is not allowed") }
                    constraint.advance(&state, with: id)
                }
                XCTAssertTrue(constraint.isFinished(state))
                XCTAssertLessThanOrEqual(ids.count + 1, constraint.maximumTokens, "with <s>")
            }
        }
    }

    /// An integer column that lists its values writes one of them and nothing else: random logits
    /// reach every listed value (including one whose digits begin another, 13 and 139, and one
    /// that holds another, 1390), conditions narrow the list, and one that leaves none is refused.
    func testListedValuesAreTheOnlyNumbersWritten() throws {
        let listed: [Int64] = [0, 7, 13, 42, 139, 1390]
        let schema = Schema(columns: [.categorical("group", ["A", "B"]), .integer("n", min: 0, max: 2000, values: listed)], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 8, width: 8, layers: 1, heads: 2))
        let serializer = RowSerializer(schema: schema)
        let setup = Setup(schema: schema, tokenizer: tokenizer, sampler: RowSampler(model: model, tokenizer: tokenizer, serializer: serializer))
        func written(_ conditions: [String]) throws -> Set<Int64> {
            let constraint = try RowConstraint(schema: schema, template: .standard, tokenizer: tokenizer,
                                               conditions: try conditions.map(ColumnCondition.parse))
            return Set(try randomRows(setup, constraint: constraint, count: 600, seed: 8).map { text in
                guard case .number(let n) = try serializer.parse(text)[1] else { XCTFail(text); return -1 }
                return n
            })
        }
        XCTAssertEqual(try written([]), Set(listed))
        XCTAssertEqual(try written(["n>=10"]), [13, 42, 139, 1390])
        XCTAssertEqual(try written(["n=42"]), [42])
        XCTAssertThrowsError(try RowConstraint(schema: schema, template: .standard, tokenizer: tokenizer,
                                               conditions: [try ColumnCondition.parse("n=100..130")])) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("leave none of the values its schema lists") == true, "\(error)")
        }
    }

    /// A category spelt like a list or a range (`A|B`, `20..30`) is asked for by its spelling: it was
    /// split into `A` and `B`, or refused as a numeric range on a categorical column. A list that is no
    /// category (`B|A`) is still a list.
    func testACategorySpeltLikeAListOrARangeIsThatCategory() throws {
        let categories = ["A", "B", "A|B", "20..30"]
        let schema = Schema(columns: [.categorical("dx", categories), .integer("n", min: 0, max: 9)], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 8, width: 8, layers: 1, heads: 2))
        let serializer = RowSerializer(schema: schema)
        let setup = Setup(schema: schema, tokenizer: tokenizer, sampler: RowSampler(model: model, tokenizer: tokenizer, serializer: serializer))
        func written(_ condition: String) throws -> Set<String> {
            let constraint = try RowConstraint(schema: schema, template: .standard, tokenizer: tokenizer, conditions: [try ColumnCondition.parse(condition)])
            return Set(try randomRows(setup, constraint: constraint, count: 200, seed: 3).map { text in
                guard case .category(let value) = try serializer.parse(text)[0] else { XCTFail(text); return "" }
                return value
            })
        }
        XCTAssertEqual(try written("dx=A|B"), ["A|B"])
        XCTAssertEqual(try written("dx=20..30"), ["20..30"])
        XCTAssertEqual(try written("dx=B|A"), ["A", "B"])
        XCTAssertEqual(try written("dx=A"), ["A"])
    }

    func testConditionsAreForcedFirstAndHeld() throws {
        let setup = try setup("adult_train.csv")
        let conditions = try ["sex=Female", "age>=40", "race=White|Black", "hours_per_week=35..45", "capital_gain<100"].map(ColumnCondition.parse)
        let constraint = try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer, conditions: conditions)
        let serializer = RowSerializer(schema: setup.schema)
        let index = { (name: String) in setup.schema.index(of: name)! }
        for text in try randomRows(setup, constraint: constraint, count: 2000, seed: 99) {
            XCTAssertTrue(text.hasPrefix("sex is Female, age is "), text)
            let row = try serializer.parse(text)
            XCTAssertEqual(row[index("sex")], .category("Female"))
            guard case .number(let age) = row[index("age")], case .number(let hours) = row[index("hours_per_week")],
                  case .number(let gain) = row[index("capital_gain")] else { return XCTFail(text) }
            XCTAssertGreaterThanOrEqual(age, 40)
            XCTAssertTrue((35...45).contains(hours), text)
            XCTAssertLessThan(gain, 100)
            XCTAssertTrue([.category("White"), .category("Black")].contains(row[index("race")]), text)
        }
    }

    func testFixedOrderWritesTheSchemaOrderAfterConditions() throws {
        let setup = try setup("german_credit.csv")
        let constraint = try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer,
                                           conditions: [ColumnCondition.parse("sex=female")], fixedOrder: true)
        let expected = ["sex"] + setup.schema.columnNames.filter { $0 != "sex" }
        let serializer = RowSerializer(schema: setup.schema)
        for text in try randomRows(setup, constraint: constraint, count: 300, seed: 5) {
            XCTAssertNoThrow(try serializer.parse(text))
            let names = text.components(separatedBy: ", ").compactMap { $0.components(separatedBy: " is ").first }
            XCTAssertEqual(names, expected, text)
        }
        // A trained order (here reversed) instead of the schema's, conditions still first.
        let reversed = Array(setup.schema.columns.indices.reversed())
        let inOrder = try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer,
                                        conditions: [ColumnCondition.parse("sex=female")], fixedOrder: true, order: reversed)
        let expectedReversed = ["sex"] + reversed.map { setup.schema.columns[$0].name }.filter { $0 != "sex" }
        for text in try randomRows(setup, constraint: inOrder, count: 100, seed: 6) {
            XCTAssertEqual(text.components(separatedBy: ", ").compactMap { $0.components(separatedBy: " is ").first }, expectedReversed, text)
        }
        XCTAssertThrowsError(try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer, fixedOrder: true, order: [0, 0]))
    }

    func testImpossibleOrUnknownConditionsAreRefused() throws {
        let setup = try setup("german_credit.csv")
        for (condition, message) in [("age>=200", "leave no value"), ("agee=3", "no such column"), ("sex=robot", "is not a category of 'sex'"),
                                     ("sex>3", "cannot be a numeric range")] {
            XCTAssertThrowsError(try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer,
                                                   conditions: [ColumnCondition.parse(condition)])) { error in
                XCTAssertTrue("\(error)".contains(message), "\(condition): \(error)")
            }
        }
        // Two conditions on one column are both kept: two categories that exclude each other leave
        // nothing (the second was once called "not a category").
        let sexes = try XCTUnwrap(setup.schema.columns.first { $0.name == "sex" }?.categories)
        XCTAssertThrowsError(try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer,
                                               conditions: [ColumnCondition.parse("sex=\(sexes[0])"), ColumnCondition.parse("sex=\(sexes[1])")])) { error in
            XCTAssertTrue("\(error)".contains("the conditions on 'sex' leave no value"), "\(error)")
        }
    }

    /// A model with random weights, sampled through the KV cache in batches with the constraint:
    /// every row fits.
    func testUntrainedModelGeneratesOnlyValidRows() throws {
        let setup = try setup("german_credit.csv")
        let constraint = try RowConstraint(schema: setup.schema, template: .standard, tokenizer: setup.tokenizer)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: setup.tokenizer.vocabularySize, contextLength: constraint.maximumTokens,
                                                  width: 16, layers: 1, heads: 2))
        model.initializeParameters(seed: 1)
        let sampler = RowSampler(model: model, tokenizer: setup.tokenizer, serializer: RowSerializer(schema: setup.schema), constraint: constraint)
        var settings = SamplingSettings()
        settings.batchSize = 25
        settings.logitNoise = 0.5
        let result = sampler.sample(count: 100, settings: settings)
        XCTAssertEqual(result.invalid, 0, "\(result.examples)")
        XCTAssertEqual(result.rows.count, 100)
    }
}
