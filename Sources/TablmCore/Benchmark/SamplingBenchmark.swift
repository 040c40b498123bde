import Dispatch

/// Sampling speed with and without the schema constraint, same model and batch, in one process:
/// rounds that each time both back to back (which goes first alternates), reported as medians, so
/// that load coming and going on a shared machine moves both sides of the ratio alike.
public enum SamplingBenchmark {
    public struct Result: Sendable, Codable {
        public var rows: Int
        public var batch: Int
        /// Paired rounds timed (each: `rows` unconstrained and `rows` constrained).
        public var rounds: Int
        public var unconstrainedTokensPerSecond: Double
        public var unconstrainedRowsPerSecond: Double
        /// Share of unconstrained rows that fit the schema.
        public var unconstrainedValidShare: Double
        public var constrainedTokensPerSecond: Double
        public var constrainedRowsPerSecond: Double
        public var constrainedValidShare: Double
        /// Constrained cost per token over unconstrained cost per token: the median of the rounds'
        /// own ratios, with their range.
        public var costRatio: Double
        public var costRatioRange: [Double]
    }

    public static func run(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, constraint: RowConstraint,
                           rows: Int, batch: Int, rounds: Int = 5) -> Result {
        var settings = SamplingSettings()
        settings.batchSize = batch
        struct Timing { var seconds: Double; var tokens: Int; var valid: Int }
        func timed(_ sampler: RowSampler) -> Timing {
            let start = DispatchTime.now().uptimeNanoseconds
            let result = sampler.sample(count: rows, settings: settings)
            return Timing(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, tokens: result.tokens, valid: result.rows.count)
        }
        let free = RowSampler(model: model, tokenizer: tokenizer, serializer: serializer)
        let constrained = RowSampler(model: model, tokenizer: tokenizer, serializer: serializer, constraint: constraint)
        _ = timed(free)   // warm up both
        _ = timed(constrained)
        var freeTimes: [Timing] = [], constrainedTimes: [Timing] = []
        for round in 0..<max(rounds, 1) {
            if round % 2 == 0 {
                freeTimes.append(timed(free))
                constrainedTimes.append(timed(constrained))
            } else {
                constrainedTimes.append(timed(constrained))
                freeTimes.append(timed(free))
            }
        }
        func perToken(_ t: Timing) -> Double { t.seconds / Double(max(t.tokens, 1)) }
        let ratios = zip(constrainedTimes, freeTimes).map { perToken($0) / perToken($1) }
        let median = TrainingBenchmark.median
        let freeSeconds = median(freeTimes.map(\.seconds)), constrainedSeconds = median(constrainedTimes.map(\.seconds))
        return Result(rows: rows, batch: batch, rounds: freeTimes.count,
                      unconstrainedTokensPerSecond: 1 / median(freeTimes.map(perToken)),
                      unconstrainedRowsPerSecond: Double(rows) / freeSeconds,
                      unconstrainedValidShare: Double(freeTimes.map(\.valid).reduce(0, +)) / Double(rows * freeTimes.count),
                      constrainedTokensPerSecond: 1 / median(constrainedTimes.map(perToken)),
                      constrainedRowsPerSecond: Double(rows) / constrainedSeconds,
                      constrainedValidShare: Double(constrainedTimes.map(\.valid).reduce(0, +)) / Double(rows * constrainedTimes.count),
                      costRatio: median(ratios), costRatioRange: [ratios.min() ?? 0, ratios.max() ?? 0])
    }
}

extension SamplingBenchmark {
    /// The benchmark on `schema`: its tokenizer without field pieces (the bench keeps the vocabulary
    /// and row shapes its history was measured with, docs/performance.md), a fresh seeded model, 64
    /// rows decoded together. Returns the tokenizer's vocabulary for the training benchmark.
    public static func run(schema: Schema, width: Int, layers: Int, heads: Int, rows: Int, rounds: Int = 5) throws -> (result: Result, vocabularySize: Int) {
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = 0
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        let constraint = try RowConstraint(schema: schema, template: .standard, tokenizer: tokenizer)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: constraint.maximumTokens,
                                                  width: width, layers: layers, heads: heads))
        model.initializeParameters(seed: 0)
        let result = run(model: model, tokenizer: tokenizer, serializer: RowSerializer(schema: schema), constraint: constraint, rows: rows, batch: 64, rounds: rounds)
        return (result, tokenizer.vocabularySize)
    }
}
