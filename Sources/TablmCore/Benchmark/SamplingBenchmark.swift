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

extension SamplingBenchmark {
    /// The benchmark on `schema`: its tokenizer without field pieces (the bench keeps the vocabulary
    /// and row shapes its history was measured with, docs/performance.md), a fresh seeded model, 64
    /// rows decoded together. Returns the tokenizer's vocabulary for the training benchmark.
    public static func run(schema: Schema, width: Int, layers: Int, heads: Int, rows: Int) throws -> (result: Result, vocabularySize: Int) {
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = 0
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        let constraint = try RowConstraint(schema: schema, template: .standard, tokenizer: tokenizer)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: constraint.maximumTokens,
                                                  width: width, layers: layers, heads: heads))
        model.initializeParameters(seed: 0)
        let result = run(model: model, tokenizer: tokenizer, serializer: RowSerializer(schema: schema), constraint: constraint, rows: rows, batch: 64)
        return (result, tokenizer.vocabularySize)
    }
}
