import Dispatch

/// Sampling speed with and without the schema constraint, same model and batch, in one process.
public enum SamplingBenchmark {
    public struct Result: Sendable, Codable {
        public var rows: Int
        public var batch: Int
        public var unconstrainedTokensPerSecond: Double
        public var unconstrainedRowsPerSecond: Double
        /// Share of unconstrained rows that fit the schema.
        public var unconstrainedValidShare: Double
        public var constrainedTokensPerSecond: Double
        public var constrainedRowsPerSecond: Double
        public var constrainedValidShare: Double
        /// Constrained cost per token over unconstrained cost per token.
        public var costRatio: Double { unconstrainedTokensPerSecond / constrainedTokensPerSecond }
    }

    public static func run(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, constraint: RowConstraint,
                           rows: Int, batch: Int) -> Result {
        var settings = SamplingSettings()
        settings.batchSize = batch
        func timed(_ sampler: RowSampler) -> (tokensPerSecond: Double, rowsPerSecond: Double, valid: Double) {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = sampler.sample(count: rows, settings: settings)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            return (Double(result.tokens) / seconds, Double(rows) / seconds, Double(result.rows.count) / Double(rows))
        }
        _ = timed(RowSampler(model: model, tokenizer: tokenizer, serializer: serializer))   // warm up
        let free = timed(RowSampler(model: model, tokenizer: tokenizer, serializer: serializer))
        let constrained = timed(RowSampler(model: model, tokenizer: tokenizer, serializer: serializer, constraint: constraint))
        return Result(rows: rows, batch: batch, unconstrainedTokensPerSecond: free.tokensPerSecond,
                      unconstrainedRowsPerSecond: free.rowsPerSecond, unconstrainedValidShare: free.valid,
                      constrainedTokensPerSecond: constrained.tokensPerSecond, constrainedRowsPerSecond: constrained.rowsPerSecond,
                      constrainedValidShare: constrained.valid)
    }
}
