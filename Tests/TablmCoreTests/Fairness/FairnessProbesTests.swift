@testable import TablmCore
import XCTest

final class FairnessProbesTests: XCTestCase {
    /// Probes read the distribution of the token after a lead-in, so a column whose lead-in and value
    /// the tokenizer writes as one piece is refused, naming the column; the schema's sensitive column
    /// and target (and columns the tokenizer was told to keep apart) get no field pieces and work.
    func testColumnsWrittenAsFieldPiecesAreRefused() throws {
        let schema = Schema(columns: [.categorical("group", ["A", "B"]), .categorical("colour", ["red", "blue"]),
                                      .categorical("outcome", ["no", "yes"])], source: .public, target: "outcome", sensitive: ["group"])
        let serializer = RowSerializer(schema: schema)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let probes = try FairnessProbes(serializer: serializer, tokenizer: tokenizer, sensitive: "group", columns: ["outcome"])
        XCTAssertEqual(try probes.prompt(group: 1, column: 0).map { tokenizer.pieces[Int($0)] }, ["<s>", "group▁is▁", "B", ",▁outcome▁is▁"])
        XCTAssertThrowsError(try FairnessProbes(serializer: serializer, tokenizer: tokenizer, sensitive: "group", columns: ["colour"])) { error in
            XCTAssertTrue((error as? InputError)?.message.hasPrefix("fairness probes need the values of 'colour' apart from its lead-in") == true, "\(error)")
        }
        var options = TokenizerTrainer.Options()
        options.keepApart = ["colour"]
        let apart = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        let colour = try FairnessProbes(serializer: serializer, tokenizer: apart, sensitive: "group", columns: ["colour"])
        XCTAssertEqual(colour.columns[0].tokens.map { apart.pieces[Int($0)] }, ["red", "blue"])
    }
}
