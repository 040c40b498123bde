import RealModule

/// How tokens are drawn from the model's distribution.
public struct SamplingSettings: Sendable {
    public var temperature = 1.0
    /// Keep only the k most likely tokens (0: all).
    public var topK = 0
    public var batchSize = 64
    public var seed: UInt64 = 0
    public init() {}
}

/// The outcome of sampling rows: the ones that fit the schema, and how many did not.
public struct SampledRows: Sendable {
    public var rows: [Row]
    public var invalid: Int
    /// Reasons of the first few invalid rows, for the user.
    public var examples: [String]
    public var tokens: Int
}

/// Samples rows from a model: each sequence starts at `<s>` and runs to `</s>` or the context end,
/// batched through the KV cache; the text is parsed against the schema and rows that do not fit are
/// counted (constrained decoding, which makes every row fit, is a separate component).
public struct RowSampler {
    public let model: GPT2<Float>
    public let tokenizer: Tokenizer
    public let serializer: RowSerializer

    public init(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer) {
        self.model = model
        self.tokenizer = tokenizer
        self.serializer = serializer
    }

    public func sample(count: Int, settings: SamplingSettings, progress: (Int) -> Void = { _ in }) -> SampledRows {
        var generator = SplitMix64(seed: settings.seed)
        var result = SampledRows(rows: [], invalid: 0, examples: [], tokens: 0)
        let v = model.config.vocabularySize
        var probabilities = [Float](repeating: 0, count: v)
        var decoder: KVCacheDecoder?
        var produced = 0
        while produced < count {
            let batch = min(settings.batchSize, count - produced)
            if decoder?.batch != batch { decoder = KVCacheDecoder(model: model, batch: batch) }
            let session = decoder!
            session.reset()
            var sequences = [[Int32]](repeating: [], count: batch)
            var finished = [Bool](repeating: false, count: batch)
            var next = [Int32](repeating: tokenizer.bosID, count: batch)
            while session.position < model.config.contextLength && finished.contains(false) {
                session.step(next)
                for b in 0..<batch where !finished[b] {
                    let token = draw(logits: UnsafeBufferPointer(rebasing: session.logits[(b * v)..<((b + 1) * v)]),
                                     settings: settings, scratch: &probabilities, generator: &generator)
                    result.tokens += 1
                    if token == tokenizer.eosID {
                        finished[b] = true
                    } else {
                        sequences[b].append(token)
                    }
                    next[b] = token
                }
                for b in 0..<batch where finished[b] { next[b] = tokenizer.padID }
            }
            for (b, ids) in sequences.enumerated() {
                let problem: String
                if !finished[b] {
                    problem = "no end of row within the context"
                } else if let text = try? tokenizer.decode(ids.filter { !tokenizer.isControl($0) && $0 != tokenizer.unknownID }) {
                    do {
                        result.rows.append(try serializer.parse(text))
                        continue
                    } catch {
                        problem = "\(error.reason) in: \(text)"
                    }
                } else {
                    problem = "undecodable tokens"
                }
                result.invalid += 1
                if result.examples.count < 5 { result.examples.append(problem) }
            }
            produced += batch
            progress(produced)
        }
        return result
    }

    /// Draws a token from softmax(logits / temperature), restricted to the top k when set.
    func draw(logits: UnsafeBufferPointer<Float>, settings: SamplingSettings, scratch: inout [Float],
              generator: inout SplitMix64) -> Int32 {
        let v = logits.count
        let temperature = Float(max(settings.temperature, 1e-6))
        var threshold = -Float.infinity
        if settings.topK > 0 && settings.topK < v {
            threshold = Array(logits).sorted(by: >)[settings.topK - 1]
        }
        var maximum = -Float.infinity
        for i in 0..<v where logits[i] >= threshold { maximum = max(maximum, logits[i]) }
        var sum: Float = 0
        for i in 0..<v {
            scratch[i] = logits[i] >= threshold ? Float.exp((logits[i] - maximum) / temperature) : 0
            sum += scratch[i]
        }
        var u = Float(Double.random(in: 0..<1, using: &generator)) * sum
        for i in 0..<v {
            u -= scratch[i]
            if u < 0 { return Int32(i) }
        }
        return Int32((0..<v).last { scratch[$0] > 0 } ?? 0)
    }
}
