import Foundation
import RealModule

/// How tokens are drawn from the model's distribution.
public struct SamplingSettings: Sendable {
    public var temperature = 1.0
    /// Keep only the k most likely tokens (0: all).
    public var topK = 0
    public var batchSize = 64
    public var seed: UInt64 = 0
    /// Standard deviation of Gaussian noise added to the logits before sampling: a diversity knob. It
    /// is not a differential-privacy mechanism and carries no epsilon; the guarantee comes from training.
    public var logitNoise = 0.0
    public init() {}
}

/// The outcome of sampling rows: the ones that fit the schema, and how many did not.
public struct SampledRows: Sendable {
    public var rows: [Row]
    public var invalid: Int
    /// Reasons of the first few invalid rows, for the user.
    public var examples: [String]
    public var tokens: Int
    /// With `RowSampler.recordsFairness`: the model's logits where the mask acts, for its calibration.
    public var fairnessObservations: [FairnessObservation] = []
    /// Tokens each sequence took, valid or not, in decoding order (`SamplingBenchmark` pairs the sides with them).
    var sequenceLengths: [Int] = []
}

/// Samples rows from a model: each sequence starts at `<s>` and runs to `</s>` or the context end,
/// batched through the KV cache. With a `RowConstraint` only tokens that keep the row valid are
/// sampled, so every row fits the schema; without one, rows whose text does not fit are counted.
public struct RowSampler {
    public let model: GPT2<Float>
    public let tokenizer: Tokenizer
    public let serializer: RowSerializer
    public let constraint: RowConstraint?
    /// `--mask-fairness`: shifts a fair column's value logits by the row's sensitive group when the
    /// group is written first, or the group's logits by the fair values written before it (needs the
    /// constraint, which says where values start).
    public let fairness: FairnessMask?
    /// Record the model's logits where the mask acts (`SampledRows.fairnessObservations`): the pilot
    /// sample that calibrates it.
    public var recordsFairness = false
    /// After `--balance-groups` training: shifts the sensitive column's value logits so that rows
    /// follow the table's group shares, not the balanced mix (needs the constraint, like the mask).
    public var groupShares: GroupShareCorrection? {
        didSet { precondition(groupShares == nil || constraint != nil, "the share correction needs the schema constraint") }
    }
    /// Sequence b of a chunk ends at exactly its `lengthLimits[b]`-th token, `</s>` or not, as if that
    /// token were `</s>` (its row is then judged like any other). `SamplingBenchmark` gives the
    /// unconstrained side the constrained side's lengths, so both decode as many tokens at the same
    /// positions and the ratio is the constraint's own cost, not that of an untrained model's rows
    /// ending by chance or running to the context's end.
    var lengthLimits: [Int]?

    public init(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, constraint: RowConstraint? = nil,
                fairness: FairnessMask? = nil) {
        precondition(fairness == nil || constraint != nil, "the fairness mask needs the schema constraint")
        self.model = model
        self.tokenizer = tokenizer
        self.serializer = serializer
        self.constraint = constraint
        self.fairness = fairness
    }

    /// Samples `count` rows in chunks of `settings.batchSize`, the chunks spread over `workers`
    /// cores (each its own KV cache; the model's parameters are only read). Chunk i draws from its
    /// own generator seeded by (seed, i), so the rows do not depend on the number of workers.
    public func sample(count: Int, settings: SamplingSettings, workers: Int = ModelWorkers.defaultCount,
                       progress: (Int) -> Void = { _ in }) -> SampledRows {
        var rows: [Row] = []
        var result = sample(count: count, settings: settings, workers: workers, progress: progress) { rows += $0 }
        result.rows = rows
        return result
    }

    /// `sample`, handing each round's rows to `emit` in order as they are decoded instead of holding
    /// them (the result's `rows` stays empty): what `generate` writes a million rows with, in the
    /// memory of one round. The rows are those `sample` returns, in the same order.
    public func sample(count: Int, settings: SamplingSettings, workers: Int = ModelWorkers.defaultCount,
                       progress: (Int) -> Void = { _ in }, emit: ([Row]) throws -> Void) rethrows -> SampledRows {
        let chunkSize = max(settings.batchSize, 1)
        let chunks = stride(from: 0, to: count, by: chunkSize).map { min(chunkSize, count - $0) }
        if workers > 1 { BLASInfo.threads = 1 }
        var result = SampledRows(rows: [], invalid: 0, examples: [], tokens: 0)
        var produced = 0
        for round in stride(from: 0, to: chunks.count, by: max(workers, 1)) {
            let indices = Array(round..<min(chunks.count, round + max(workers, 1)))
            var parts = [SampledRows?](repeating: nil, count: indices.count)
            parts.withUnsafeMutableBufferPointer { parts in
                Parallel.forEach(indices.count) { slot in
                    var generator = SplitMix64(seed: settings.seed, stream: UInt64(indices[slot]))
                    parts[slot] = sampleChunk(rows: chunks[indices[slot]], settings: settings, generator: &generator)
                }
            }
            for part in parts.compactMap({ $0 }) {
                try emit(part.rows)
                result.invalid += part.invalid
                result.tokens += part.tokens
                result.examples += part.examples.prefix(max(0, 5 - result.examples.count))
                result.fairnessObservations += part.fairnessObservations
                result.sequenceLengths += part.sequenceLengths
                produced += part.rows.count + part.invalid
            }
            progress(produced)
        }
        return result
    }

    /// One batch of rows decoded together through a KV cache.
    private func sampleChunk(rows batch: Int, settings: SamplingSettings, generator: inout SplitMix64) -> SampledRows {
        var allowed: [Int32] = []
        var result = SampledRows(rows: [], invalid: 0, examples: [], tokens: 0)
        let v = model.config.vocabularySize
        var probabilities = [Float](repeating: 0, count: v)
        let session = KVCacheDecoder(model: model, batch: batch)
        var sequences = [[Int32]](repeating: [], count: batch)
        var finished = [Bool](repeating: false, count: batch)
        var drawn = [Int](repeating: 0, count: batch)   // tokens drawn for each sequence, `</s>` included
        precondition(lengthLimits.map { $0.count == batch } ?? true, "length limits are for one chunk: one for each of its sequences")
        var next = [Int32](repeating: tokenizer.bosID, count: batch)
        var states = constraint.map { c in (0..<batch).map { _ in c.start() } }
        var groups = [Int?](repeating: nil, count: batch)   // each row's sensitive group, once written
        // A threshold or an intersection: the group is read off the values of its columns, each
        // decoded once its last token is written.
        let groupColumns = fairness.flatMap { $0.sensitive == nil ? Set($0.sensitiveGroups.columns) : nil } ?? []
        var groupValueTokens = [[Int32]](repeating: [], count: batch)
        var groupCells = [[Int: Cell]](repeating: [:], count: batch)
        // Each row's value of each fair column, once written.
        var fairValues = [[Int?]](repeating: [Int?](repeating: nil, count: fairness?.columns.count ?? 0), count: batch)
        while session.position < model.config.contextLength && finished.contains(false) {
            session.step(next, finished: finished)
            for b in 0..<batch where !finished[b] {
                if let constraint { constraint.allowedTokens(states![b], into: &allowed) }
                let starting = fairness == nil && groupShares == nil ? nil : constraint?.valueStart(states![b])
                let logits = UnsafeBufferPointer(rebasing: session.logits[(b * v)..<((b + 1) * v)])
                var shift: ((Int32) -> Float)?
                let fairColumn = starting.flatMap { fairness?.fairColumnIndex($0) }
                if let fairness, let fairColumn, let group = groups[b] {
                    let column = fairness.columns[fairColumn]
                    shift = { column.shift($0, group: group) }
                    if recordsFairness {
                        result.fairnessObservations.append(FairnessObservation(position: .value(column: fairColumn, group: group),
                                                                               logits: Self.logits(logits, of: column.tokens, allowed: allowed)))
                    }
                } else if let starting, starting == fairness?.sensitive || starting == groupShares?.column {
                    let known = fairValues[b], written = known.contains { $0 != nil }
                    let correction = starting == groupShares?.column ? groupShares : nil
                    if let fairness, written, recordsFairness {
                        result.fairnessObservations.append(FairnessObservation(position: .group(values: known),
                                                                               logits: Self.logits(logits, of: fairness.groupTokens, allowed: allowed)))
                    }
                    if written || correction != nil {
                        shift = { token in (correction?.shift[token] ?? 0) + (written ? self.fairness!.groupShift(token, values: known) : 0) }
                    }
                }
                let token = draw(logits: logits, allowed: constraint == nil ? nil : allowed, settings: settings, scratch: &probabilities,
                                 generator: &generator, shift: shift)
                if let starting, let fairness, starting == fairness.sensitive { groups[b] = fairness.group(of: token) }
                if let fairColumn, let fairness { fairValues[b][fairColumn] = fairness.columns[fairColumn].value(of: token) }
                let inValue = groupColumns.isEmpty ? nil : constraint?.valueColumn(states![b])
                constraint?.advance(&states![b], with: token)
                if let inValue, groupColumns.contains(inValue), let fairness {
                    if constraint?.valueColumn(states![b]) == inValue {
                        groupValueTokens[b].append(token)
                    } else {
                        // The value ended before this token: decode it, and the group once all are known.
                        let text = (try? tokenizer.decode(groupValueTokens[b]))?.trimmingCharacters(in: .whitespaces) ?? ""
                        groupCells[b][inValue] = serializer.cell(valueText: text, column: inValue)
                        groupValueTokens[b] = []
                        if groups[b] == nil { groups[b] = fairness.sensitiveGroups.group { groupCells[b][$0] } }
                    }
                }
                result.tokens += 1
                drawn[b] += 1
                if lengthLimits.map({ drawn[b] >= $0[b] }) ?? (token == tokenizer.eosID) {
                    finished[b] = true
                } else {
                    sequences[b].append(token)
                }
                next[b] = token
            }
            for b in 0..<batch where finished[b] { next[b] = tokenizer.padID }
        }
        result.sequenceLengths = drawn
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
        return result
    }

    /// The logits of `tokens`, −∞ for those the constraint does not allow now.
    private static func logits(_ logits: UnsafeBufferPointer<Float>, of tokens: [Int32], allowed: [Int32]) -> [Float] {
        tokens.map { allowed.contains($0) ? logits[Int($0)] : -.infinity }
    }

    /// Draws a token from softmax((logits + noise) / temperature) over `allowed` (all tokens when nil),
    /// restricted to the top k of those when set. Only the allowed entries are read: a constrained step
    /// costs O(allowed), not O(vocabulary).
    /// `shift` adds to a token's logit (the fairness mask; −∞ removes the token unless that would
    /// remove them all).
    func draw(logits: UnsafeBufferPointer<Float>, allowed: [Int32]?, settings: SamplingSettings, scratch: inout [Float],
              generator: inout SplitMix64, shift: ((Int32) -> Float)? = nil) -> Int32 {
        let count = allowed?.count ?? logits.count
        precondition(count > 0, "no token is allowed")
        if scratch.count < count { scratch = [Float](repeating: 0, count: count) }
        if let allowed {
            for i in 0..<count { scratch[i] = logits[Int(allowed[i])] }
        } else {
            for i in 0..<count { scratch[i] = logits[i] }
        }
        if let shift {
            let shifts = (0..<count).map { shift(allowed?[$0] ?? Int32($0)) }
            if shifts.contains(where: { $0 > -.infinity }) {
                for i in 0..<count { scratch[i] += shifts[i] }
            }
        }
        if settings.logitNoise > 0 {
            var noise = GaussianSampler(generator: generator)
            for i in 0..<count { scratch[i] += Float(settings.logitNoise * noise.next()) }
            generator = noise.generator
        }
        let temperature = Float(max(settings.temperature, 1e-6))
        var threshold = -Float.infinity
        if settings.topK > 0 && settings.topK < count {
            threshold = Array(scratch[0..<count]).sorted(by: >)[settings.topK - 1]
        }
        var maximum = -Float.infinity
        for i in 0..<count where scratch[i] >= threshold { maximum = max(maximum, scratch[i]) }
        var sum: Float = 0
        for i in 0..<count {
            scratch[i] = scratch[i] >= threshold ? Float.exp((scratch[i] - maximum) / temperature) : 0
            sum += scratch[i]
        }
        var u = Float(Double.random(in: 0..<1, using: &generator)) * sum
        var chosen = (0..<count).last { scratch[$0] > 0 } ?? 0
        for i in 0..<count {
            u -= scratch[i]
            if u < 0 {
                chosen = i
                break
            }
        }
        return allowed.map { $0[chosen] } ?? Int32(chosen)
    }
}
