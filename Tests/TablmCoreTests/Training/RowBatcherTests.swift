import Foundation
import TablmCore
import XCTest

final class RowBatcherTests: XCTestCase {
    /// One training order with a random share f: a use is in that order with probability
    /// (1 − f) + f / n! (binomial, checked to 4 standard deviations over 4,000 uses); the other uses are
    /// permutations of every column; with f = 0 every use is in the order, and the draw depends only on
    /// (seed, use), so resumed runs repeat it.
    func testTrainingOrdersAndTheirRandomShare() throws {
        let path = try Fixtures.sharedData("german_credit.csv")
        let schema = try SchemaInference.infer(csvPath: path).schema
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let table = try TableData.read(path: path, schema: schema)
        var batcher = try RowBatcher(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, rows: Array(table.rows.prefix(10)), context: 256)
        let order = Array(schema.columns.indices.reversed())
        batcher.orders = [order]
        batcher.randomShare = 0.25
        let uses = 4000
        var inOrder = 0
        for use in 0..<uses {
            let drawn = batcher.order(seed: 7, use: use)
            XCTAssertEqual(drawn.sorted(), Array(schema.columns.indices))
            XCTAssertEqual(drawn, batcher.order(seed: 7, use: use))
            if drawn == order { inOrder += 1 }
        }
        let share = Double(inOrder) / Double(uses)
        XCTAssertEqual(share, 0.75, accuracy: 4 * (0.75 * 0.25 / Double(uses)).squareRoot())
        batcher.randomShare = 0
        XCTAssertTrue((0..<200).allSatisfy { batcher.order(seed: 3, use: $0) == order })
        XCTAssertEqual(try batcher.trainingSequence(table.rows[0], rowIndex: 0, step: 5, seed: 3),
                       try batcher.sequence(table.rows[0], order: order))
    }
}
