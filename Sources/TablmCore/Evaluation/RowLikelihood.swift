import RealModule

/// The model's log-likelihood of whole rows: Σ log p(token | prefix) over the row's text and its end
/// token, with the columns in `order` (the one the model was trained in; nil: the schema's). Rows
/// the model was trained on tend to score higher; the likelihood membership attack (Yeom et al.
/// 2018's loss threshold) uses exactly that.
public enum RowLikelihood {
    public static func logLikelihoods(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row],
                                      order: [Int]? = nil, batchSize: Int = 32) throws -> [Double] {
        guard !rows.isEmpty else { return [] }
        let batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: rows, context: model.config.contextLength)
        let v = model.config.vocabularySize
        var result: [Double] = []
        for start in stride(from: 0, to: rows.count, by: batchSize) {
            let part = rows[start..<min(rows.count, start + batchSize)]
            let batch = batcher.batch(try part.map { try batcher.sequence($0, order: order) })
            let logits = model.logits(tokens: batch.tokens, batch: batch.batch, length: batch.length)
            for b in 0..<part.count {
                var total = 0.0
                for position in 0..<batch.length where batch.weights[b * batch.length + position] > 0 {
                    let row = (b * batch.length + position) * v
                    var largest = -Double.infinity
                    for k in 0..<v { largest = max(largest, Double(logits[row + k])) }
                    var sum = 0.0
                    for k in 0..<v { sum += Double.exp(Double(logits[row + k]) - largest) }
                    total += Double(logits[row + Int(batch.targets[b * batch.length + position])]) - largest - Double.log(sum)
                }
                result.append(total)
            }
        }
        return result
    }
}
