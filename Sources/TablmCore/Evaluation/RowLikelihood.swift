import RealModule

/// The model's log-likelihood of whole rows: Σ log p(token | prefix) over the row's text and its end
/// token, with the columns in `order` (the one the model was trained in; nil: the schema's). Rows
/// the model was trained on tend to score higher; the likelihood membership attack (Yeom et al.
/// 2018's loss threshold) uses exactly that.
public enum RowLikelihood {
    /// Batches of `batchSize` rows are dealt round-robin to `workers` replicas of the model (one
    /// per core, each GEMM on one OpenBLAS thread, as in training); every row's score is its own,
    /// so the result does not depend on the number of workers.
    public static func logLikelihoods(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row],
                                      order: [Int]? = nil, batchSize: Int = 32,
                                      workers: Int = ModelWorkers.defaultCount) throws -> [Double] {
        guard !rows.isEmpty else { return [] }
        let batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: rows, context: model.config.contextLength)
        let sequences = try rows.map { try batcher.sequence($0, order: order) }
        let starts = Array(stride(from: 0, to: rows.count, by: batchSize))
        let replicas = [model] + (1..<max(1, min(workers, starts.count))).map { _ in GPT2(replicaOf: model) }
        if replicas.count > 1 { BLASInfo.threads = 1 }
        let v = model.config.vocabularySize
        var result = [Double](repeating: 0, count: rows.count)
        result.withUnsafeMutableBufferPointer { result in
            Parallel.forEach(replicas.count) { worker in
                for start in stride(from: worker * batchSize, to: rows.count, by: batchSize * replicas.count) {
                    let end = min(rows.count, start + batchSize)
                    let batch = batcher.batch(Array(sequences[start..<end]))
                    let logits = replicas[worker].logits(tokens: batch.tokens, batch: batch.batch, length: batch.length)
                    for b in 0..<(end - start) {
                        var total = 0.0
                        for position in 0..<batch.length where batch.weights[b * batch.length + position] > 0 {
                            let row = (b * batch.length + position) * v
                            var largest = -Double.infinity
                            for k in 0..<v { largest = max(largest, Double(logits[row + k])) }
                            var sum = 0.0
                            for k in 0..<v { sum += Double.exp(Double(logits[row + k]) - largest) }
                            total += Double(logits[row + Int(batch.targets[b * batch.length + position])]) - largest - Double.log(sum)
                        }
                        result[start + b] = total
                    }
                }
            }
        }
        return result
    }
}
