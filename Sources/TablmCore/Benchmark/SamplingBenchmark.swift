import Dispatch

/// Sampling speed with and without the schema constraint, same model and batch, in one process.
/// A round decodes `rows` rows each way, one batch at a time and the two sides taking turns batch by
/// batch (which goes first alternates), so the two sides of a pair run within a fraction of a second
/// of each other and a burst of other load lands on both alike; the ratio is the median of the
/// rounds' own ratios. Sampling runs on one worker and one BLAS thread: the ratio measures the
/// constraint's work per token, and a second thread would only add its scheduling to the noise.
/// Each unconstrained sequence runs exactly as long as its constrained twin (same batch, same seed),
/// so the two sides decode as many tokens at the same positions: the bench's model is untrained, and
/// left alone its unconstrained rows end by chance or run to the context's end, which changes what
/// a token costs (a batch's matrix products are paid for finished rows too; attention grows with
/// the position) without saying anything about the constraint.
public enum SamplingBenchmark {
    public struct Result: Sendable, Codable {
        public var rows: Int
        public var batch: Int
        /// Paired rounds timed (each: `rows` unconstrained and `rows` constrained).
        public var rounds: Int
        /// Workers the rows were decoded on (one: the figures are per core).
        public var workers: Int
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
        /// The same ratio from each batch's fastest decode on each side, summed over the batches:
        /// other load only ever adds time, so the minima are the least disturbed estimates.
        public var costRatioOfFastest: Double
        /// Tokens decoded in a round, unconstrained and constrained: the same, the sides being paired by length.
        public var tokensPerRound: [Int]
    }

    public static func run(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, constraint: RowConstraint,
                           rows: Int, batch: Int, rounds: Int = 5) -> Result {
        struct Timing {
            var seconds = 0.0, tokens = 0, valid = 0
            mutating func add(_ part: Timing) {
                seconds += part.seconds
                tokens += part.tokens
                valid += part.valid
            }
        }
        let previousThreads = BLASInfo.threads
        BLASInfo.threads = 1
        defer { BLASInfo.threads = previousThreads }
        // Batch i is seeded with i, so every round (and every sitting) decodes the same rows.
        let batches = stride(from: 0, to: rows, by: max(batch, 1)).map { min(max(batch, 1), rows - $0) }
        func decode(_ sampler: RowSampler, batch index: Int) -> (timing: Timing, lengths: [Int]) {
            var settings = SamplingSettings()
            settings.batchSize = batches[index]
            settings.seed = UInt64(index)
            var sampler = sampler
            sampler.lengthLimits = sampler.constraint == nil ? constrainedLengths[index] : nil
            let start = DispatchTime.now().uptimeNanoseconds
            let result = sampler.sample(count: batches[index], settings: settings, workers: 1)
            return (Timing(seconds: Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, tokens: result.tokens, valid: result.rows.count),
                    result.sequenceLengths)
        }
        func timed(_ sampler: RowSampler, batch index: Int) -> Timing { decode(sampler, batch: index).timing }
        let free = RowSampler(model: model, tokenizer: tokenizer, serializer: serializer)
        let constrained = RowSampler(model: model, tokenizer: tokenizer, serializer: serializer, constraint: constraint)
        // Warm-up: one constrained pass gives each batch's sequence lengths, which the unconstrained side then keeps.
        var constrainedLengths = [[Int]?](repeating: nil, count: batches.count)
        for index in batches.indices { constrainedLengths[index] = decode(constrained, batch: index).lengths }
        _ = timed(free, batch: 0)
        var freeTimes: [Timing] = [], constrainedTimes: [Timing] = []
        var fastestFree = [Timing?](repeating: nil, count: batches.count), fastestConstrained = fastestFree
        func keepFastest(_ timing: Timing, _ fastest: inout Timing?) {
            if fastest == nil || timing.seconds < fastest!.seconds { fastest = timing }
        }
        for round in 0..<max(rounds, 1) {
            var freeRound = Timing(), constrainedRound = Timing()
            for index in batches.indices {
                let freeFirst = (round + index) % 2 == 0
                let first = timed(freeFirst ? free : constrained, batch: index)
                let second = timed(freeFirst ? constrained : free, batch: index)
                let (f, c) = freeFirst ? (first, second) : (second, first)
                freeRound.add(f)
                constrainedRound.add(c)
                keepFastest(f, &fastestFree[index])
                keepFastest(c, &fastestConstrained[index])
            }
            freeTimes.append(freeRound)
            constrainedTimes.append(constrainedRound)
        }
        func perToken(_ t: Timing) -> Double { t.seconds / Double(max(t.tokens, 1)) }
        let ratios = zip(constrainedTimes, freeTimes).map { perToken($0) / perToken($1) }
        func total(_ timings: [Timing?]) -> Timing {
            var sum = Timing()
            for timing in timings { sum.add(timing!) }
            return sum
        }
        let median = TrainingBenchmark.median
        let freeSeconds = median(freeTimes.map(\.seconds)), constrainedSeconds = median(constrainedTimes.map(\.seconds))
        return Result(rows: rows, batch: batch, rounds: freeTimes.count, workers: 1,
                      unconstrainedTokensPerSecond: 1 / median(freeTimes.map(perToken)),
                      unconstrainedRowsPerSecond: Double(rows) / freeSeconds,
                      unconstrainedValidShare: Double(freeTimes.map(\.valid).reduce(0, +)) / Double(rows * freeTimes.count),
                      constrainedTokensPerSecond: 1 / median(constrainedTimes.map(perToken)),
                      constrainedRowsPerSecond: Double(rows) / constrainedSeconds,
                      constrainedValidShare: Double(constrainedTimes.map(\.valid).reduce(0, +)) / Double(rows * constrainedTimes.count),
                      costRatio: median(ratios), costRatioRange: [ratios.min() ?? 0, ratios.max() ?? 0],
                      costRatioOfFastest: perToken(total(fastestConstrained)) / perToken(total(fastestFree)),
                      tokensPerRound: [freeTimes[0].tokens, constrainedTimes[0].tokens])
    }
}

extension SamplingBenchmark {
    /// The benchmark on `schema`: its tokenizer without field pieces (the bench keeps the vocabulary
    /// and row shapes its history was measured with, docs/performance.md), a fresh seeded model, 64
    /// rows decoded together on one worker. Returns the tokenizer's vocabulary for the training benchmark.
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
