import Foundation
import TablmCore
import XCTest

final class RowBatcherTests: XCTestCase {
    /// One training order with a random share f: a use is in that order with probability
    /// (1 − f) + f / n! (binomial, checked to 4 standard deviations over 4,000 uses); the other uses are
    /// permutations of every column; with f = 0 every use is in the order, and the draw depends only on
    /// (seed, use), so resumed runs repeat it.
    func testTrainingOrdersAndTheirRandomShare() throws {
        let path = try Fixtures.bundledData("german_credit.csv")
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

    /// With a target weight w, the positions that predict the target's value tokens carry w times
    /// the weight of every other position and all sum to 1; those positions' targets spell exactly
    /// the value (a multi-digit number here, the columns in a random order every use). With w = 1
    /// the batch is the plain one.
    func testTargetWeightFallsOnTheTargetsValueTokens() throws {
        let path = try Fixtures.bundledData("german_credit.csv")
        var schema = try SchemaInference.infer(csvPath: path).schema
        schema.target = "credit_amount"
        let target = try XCTUnwrap(schema.index(of: "credit_amount"))
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let rows = Array(try TableData.read(path: path, schema: schema).rows.prefix(12))
        let serializer = RowSerializer(schema: schema)
        var batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: rows, context: 256)
        let indexed = rows.enumerated().map { ($1, $0) }
        let plain = batcher.batch(try rows.enumerated().map { try batcher.trainingSequence($1, rowIndex: $0, step: 2, seed: 5) })
        XCTAssertEqual(try batcher.trainingBatch(indexed, step: 2, seed: 5).weights, plain.weights)
        batcher.targetWeight = 4
        let weighted = try batcher.trainingBatch(indexed, step: 2, seed: 5)
        XCTAssertEqual(weighted.tokens, plain.tokens)
        XCTAssertEqual(weighted.targets, plain.targets)
        let t = weighted.length
        var heavy = 0, emphasisedPositions: [[Int]] = []
        for (b, row) in rows.enumerated() {
            let positions = (0..<t).filter { weighted.weights[b * t + $0] > 0 }
            let emphasised = positions.filter { weighted.weights[b * t + $0] > weighted.weights[b * t + positions[0]] * 1.5 }
            XCTAssertEqual(try tokenizer.decode(emphasised.map { weighted.targets[b * t + $0] }), serializer.valueText(row[target], column: target))
            XCTAssertEqual(emphasised, Array(emphasised.first!...emphasised.last!), "consecutive")
            heavy += emphasised.count
            emphasisedPositions.append(emphasised)
        }
        XCTAssertGreaterThan(heavy, rows.count, "several digits a value")
        // Every light position weighs 1 / (N + (w − 1) M), every heavy one w times that.
        let light = 1 / Float(plain.validTokens + 3 * heavy)
        for weight in weighted.weights where weight > 0 {
            XCTAssertTrue(abs(weight - light) < 1e-6 * light || abs(weight - 4 * light) < 4e-6 * light, "\(weight)")
        }
        XCTAssertEqual(weighted.weights.reduce(0, +), 1, accuracy: 1e-5)
        // Each row alone (DP-SGD's per-row loss): a row's weights sum to 1, its target positions
        // weigh w times its others, and they do not depend on the batch's other rows.
        let alone = try batcher.trainingBatch(indexed, step: 2, seed: 5, eachRowAlone: true)
        XCTAssertEqual(alone.tokens, plain.tokens)
        for b in rows.indices {
            let own = Array(alone.weights[b * t..<(b + 1) * t])
            let count = Float(own.filter { $0 > 0 }.count), emphasised = Float(emphasisedPositions[b].count)
            let rowLight = 1 / (count + 3 * emphasised)
            for (position, weight) in own.enumerated() where weight > 0 {
                let expected = emphasisedPositions[b].contains(position) ? 4 * rowLight : rowLight
                XCTAssertEqual(weight, expected, accuracy: 1e-6 * expected)
            }
            XCTAssertEqual(try batcher.trainingBatch([indexed[b]], step: 2, seed: 5, eachRowAlone: true).weights, own)
        }
    }
}
