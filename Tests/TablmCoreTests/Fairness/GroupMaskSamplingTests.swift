@testable import TablmCore
import XCTest

/// The mask for groups no single token names (a threshold, an intersection): the sampler reads the
/// group off the values of its columns as they are written, and the constraint writes those columns
/// before the fair one. Each group's shift here forces one value, so every written row must hold the
/// value of its group as computed by hand from its own cells.
final class GroupMaskSamplingTests: XCTestCase {
    // The fair column first in the schema: only the precedence puts the group's columns before it.
    private let schema = Schema(columns: [.categorical("y", ["v0", "v1", "v2", "v3"]), .integer("age", min: 18, max: 60),
                                          .categorical("sex", ["F", "M"])],
                                source: .public, target: "y")

    private struct Setup {
        var tokenizer: Tokenizer
        var serializer: RowSerializer
        var mask: FairnessMask
        var model: GPT2<Float>
    }

    /// An untrained model (its choices of order and values are arbitrary) and a mask whose shifts make
    /// group g write value `forced(g)`.
    private func setup(sensitive: String, forced: (Int) -> Int) throws -> Setup {
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = 0
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        let serializer = RowSerializer(schema: schema)
        var mask = try FairnessColumns(sensitive: sensitive, fair: ["y"]).mask(for: "--mask-fairness", serializer: serializer, tokenizer: tokenizer, strength: 1)
        for g in mask.groups.indices { mask.columns[0].logitShift[g] = (0..<4).map { $0 == forced(g) ? 0 : -80 } }
        let longest = try RowConstraint(schema: schema, template: .standard, tokenizer: tokenizer).maximumTokens
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: longest + 1, width: 16, layers: 1, heads: 2))
        return Setup(tokenizer: tokenizer, serializer: serializer, mask: mask, model: model)
    }

    private func rows(_ setup: Setup, precedence: Bool, count: Int = 300) throws -> [Row] {
        let constraint = try RowConstraint(schema: schema, template: .standard, tokenizer: setup.tokenizer,
                                           precedence: precedence ? (first: setup.mask.sensitiveGroups.columns, then: [0]) : nil)
        let sampler = RowSampler(model: setup.model, tokenizer: setup.tokenizer, serializer: setup.serializer, constraint: constraint, fairness: setup.mask)
        var settings = SamplingSettings()
        settings.temperature = 3   // an untrained model's logits are nearly flat; this spreads the ages wider still
        let result = sampler.sample(count: count, settings: settings, workers: 1)
        XCTAssertEqual(result.rows.count, count)
        return result.rows
    }

    private func age(_ row: Row) -> Int64 { if case .number(let units) = row[1] { units } else { -1 } }

    func testAThresholdGroupIsReadOffTheWrittenAge() throws {
        let setup = try setup(sensitive: "age<25", forced: { $0 == 0 ? 3 : 1 })
        XCTAssertEqual(setup.mask.groups, ["age<25", "age>=25"])
        let written = try rows(setup, precedence: true)
        for row in written { XCTAssertEqual(row[0], .category(age(row) < 25 ? "v3" : "v1"), "\(row)") }
        XCTAssertTrue(written.contains { age($0) < 25 } && written.contains { age($0) >= 25 }, "both sides drawn")
    }

    func testAnIntersectionGroupIsReadOffBothColumns() throws {
        // Groups: age<25 & F, age<25 & M, age>=25 & F, age>=25 & M; group g writes v(g).
        let setup = try setup(sensitive: "age<25&sex", forced: { $0 })
        XCTAssertEqual(setup.mask.groups.count, 4)
        let written = try rows(setup, precedence: true)
        for row in written {
            let expected = (age(row) < 25 ? 0 : 2) + (row[2] == .category("M") ? 1 : 0)
            XCTAssertEqual(row[0], .category("v\(expected)"), "\(row)")
        }
        XCTAssertGreaterThanOrEqual(Set(written.map { $0[0] }).count, 3)
    }

    /// Without the precedence the model may write the fair column before the group is known, and
    /// the mask cannot act there: the check above would fail.
    func testWithoutPrecedenceSomeRowsEscapeTheMask() throws {
        let setup = try setup(sensitive: "age<25&sex", forced: { $0 })
        let written = try rows(setup, precedence: false)
        let escaped = written.filter { row in row[0] != .category("v\((age(row) < 25 ? 0 : 2) + (row[2] == .category("M") ? 1 : 0))") }
        XCTAssertGreaterThan(escaped.count, 10)
    }

    /// A composite mask needs each group column's value apart from its lead-in, and a fair column that
    /// is not one of the group's.
    func testRefusesJoinedLeadInsAndAFairGroupColumn() throws {
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let serializer = RowSerializer(schema: schema)
        XCTAssertThrowsError(try FairnessColumns(sensitive: "age<25&sex", fair: ["y"]).mask(for: "--mask-fairness", serializer: serializer, tokenizer: tokenizer, strength: 1)) {
            XCTAssertTrue("\($0)".contains("one piece"), "\($0)")
        }
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = 0
        let apart = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        XCTAssertThrowsError(try FairnessColumns(sensitive: "age<25&sex", fair: ["sex"]).mask(for: "--mask-fairness", serializer: serializer, tokenizer: apart, strength: 1)) {
            XCTAssertTrue("\($0)".contains("is a sensitive column"), "\($0)")
        }
        // A fair column named twice trapped building the mask's index (a duplicate dictionary key);
        // a list with no name said the schema had no target.
        for (fair, expected) in [(["y", "y"], "--fair-columns names 'y' twice"), ([], "--fair-columns names no column")] {
            XCTAssertThrowsError(try FairnessColumns(sensitive: "sex", fair: fair).mask(for: "--mask-fairness", serializer: serializer, tokenizer: apart, strength: 1)) {
                XCTAssertEqual("\($0)", expected)
            }
        }
    }
}
