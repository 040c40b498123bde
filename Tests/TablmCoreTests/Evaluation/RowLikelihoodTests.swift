import TablmCore
import XCTest

final class RowLikelihoodTests: XCTestCase {
    /// Each row's log-likelihood equals minus the model's own summed cross-entropy over that row's
    /// tokens (the training loss path, computed separately per row), and rows in one batch do not
    /// affect each other, nor do the workers the batches are dealt to.
    func testEqualsTheNegatedSummedLossOfEachRow() throws {
        let schema = Schema(columns: [.categorical("group", ["A", "B"]), .integer("n", min: 0, max: 99)], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let serializer = RowSerializer(schema: schema)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 24, width: 16, layers: 1, heads: 2))
        model.initializeParameters(seed: 3)
        for i in model.parameters.indices { model.parameters[i] *= 3 }
        let rows: [Row] = [[.category("A"), .number(7)], [.category("B"), .number(42)], [.category("B"), .number(5)]]
        let scores = try RowLikelihood.logLikelihoods(model: model, tokenizer: tokenizer, serializer: serializer, rows: rows, batchSize: 2, workers: 1)
        XCTAssertEqual(scores.count, 3)
        // One row a batch on three workers: each worker scores one row, on its own replica.
        let dealt = try RowLikelihood.logLikelihoods(model: model, tokenizer: tokenizer, serializer: serializer, rows: rows, batchSize: 1, workers: 3)
        XCTAssertEqual(dealt.count, 3)
        let batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: rows, context: 24)
        for (row, (score, dealtScore)) in zip(rows, zip(scores, dealt)) {
            XCTAssertEqual(dealtScore, score, accuracy: 1e-4 * abs(score))
            let batch = batcher.batch([try batcher.sequence(row, order: nil)])
            let loss = model.loss(tokens: batch.tokens, targets: batch.targets, weights: batch.weights.map { $0 > 0 ? 1 : 0 },
                                  batch: 1, length: batch.length)
            XCTAssertEqual(score, -Double(loss), accuracy: 1e-3 * abs(Double(loss)))
            XCTAssertLessThan(score, 0)
        }
        // In another column order, each row is scored as the sequence written in that order.
        let reversed = try RowLikelihood.logLikelihoods(model: model, tokenizer: tokenizer, serializer: serializer, rows: rows, order: [1, 0])
        for (row, score) in zip(rows, reversed) {
            let batch = batcher.batch([try batcher.sequence(row, order: [1, 0])])
            let loss = model.loss(tokens: batch.tokens, targets: batch.targets, weights: batch.weights.map { $0 > 0 ? 1 : 0 },
                                  batch: 1, length: batch.length)
            XCTAssertEqual(score, -Double(loss), accuracy: 1e-3 * abs(Double(loss)))
        }
        XCTAssertNotEqual(reversed, scores)
    }
}
