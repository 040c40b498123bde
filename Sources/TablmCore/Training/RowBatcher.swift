/// One training batch: inputs, next-token targets and loss weights, [batch, length] row-major.
public struct TokenBatch {
    public var tokens: [Int32]
    public var targets: [Int32]
    /// 1/(valid tokens in the batch) for real positions, 0 for padding: the loss is the mean per token.
    public var weights: [Float]
    public var batch: Int
    public var length: Int
    public var validTokens: Int

    /// Positions of sequence `row` that count (weight > 0): a prefix, since padding comes last.
    func validLength(ofRow row: Int) -> Int {
        var count = length
        while count > 0, weights[row * length + count - 1] <= 0 { count -= 1 }
        return count
    }

    /// The sequences `rows`, in that order, as a batch of their own cut to their first `length`
    /// positions (at least the longest one's valid positions, so nothing that counts is cut).
    func rows(_ rows: [Int], length newLength: Int) -> TokenBatch {
        precondition(newLength <= length && rows.allSatisfy { validLength(ofRow: $0) <= newLength })
        var tokens: [Int32] = [], targets: [Int32] = [], weights: [Float] = []
        for row in rows {
            let positions = (row * length)..<(row * length + newLength)
            tokens += self.tokens[positions]
            targets += self.targets[positions]
            weights += self.weights[positions]
        }
        return TokenBatch(tokens: tokens, targets: targets, weights: weights, batch: rows.count, length: newLength,
                          validTokens: weights.filter { $0 > 0 }.count)
    }
}

/// Turns typed rows into token sequences `<s> row text </s>` and pads them into batches.
///
/// Token count does not depend on column order (lead-ins and values are separate pieces),
/// so every batch has the same length: the longest row of the table, and activations are allocated once.
public struct RowBatcher: Sendable {
    public let serializer: RowSerializer
    public let tokenizer: Tokenizer
    public let length: Int
    /// The column orders training writes rows in, each use of a row drawing one (nil: a fresh
    /// uniformly random order every time). One order gives the model one chain of conditionals to
    /// learn instead of all 15! of a 15-column table; `randomShare` of the uses still take a random
    /// order, so conditions (written first at generation) stay in what the model has seen.
    public var orders: [[Int]]?
    /// Share of uses in a fresh random order when `orders` is set.
    public var randomShare = 0.0
    /// Loss weight of the schema target's value tokens in training batches, against 1 for every
    /// other token (1: all alike). The row's loss is a sum of conditionals, each minimised by the
    /// true one, so a weight moves none of their optima; it gives the conditional a classifier
    /// trained on the rows is asked, target given the other columns, more of the gradient.
    public var targetWeight = 1.0
    /// Beyond this the other columns would get next to none of the gradient.
    public static let largestTargetWeight = 1000.0
    /// Rows tokenized at a time to find the longest: large enough for the tokenizer's batch to use
    /// every core, small enough that the texts of a block take a few megabytes.
    static let lengthBlock = 16_384

    /// `length` is the longest sequence among `rows` (inputs exclude the last token), checked against `context`.
    public init(serializer: RowSerializer, tokenizer: Tokenizer, rows: [Row], context: Int) throws {
        self.serializer = serializer
        self.tokenizer = tokenizer
        var longest = 0
        // In blocks of rows, so that a million rows' text and token ids are never held at once.
        for start in stride(from: 0, to: rows.count, by: Self.lengthBlock) {
            let texts = rows[start..<min(rows.count, start + Self.lengthBlock)].map { serializer.text(for: $0) }
            do {
                for ids in try tokenizer.encode(batch: texts) { longest = max(longest, ids.count + 1) }
            } catch {
                throw InputError("a row cannot be tokenized: \(error.message)")
            }
        }
        guard longest <= context else {
            throw InputError("the longest row needs \(longest) tokens, more than the context of \(context); raise --context")
        }
        length = max(longest, 1)
    }

    /// The token ids of one row in the given column order, with BOS and EOS.
    public func sequence(_ row: Row, order: [Int]?) throws -> [Int32] {
        let ids: [Int32]
        do {
            ids = try tokenizer.encode(serializer.text(for: row, order: order))
        } catch {
            throw InputError("a row cannot be tokenized: \(error.message)")
        }
        return [tokenizer.bosID] + ids + [tokenizer.eosID]
    }

    /// The sequence of training row `rowIndex` at step `step`: a fresh column order each time a row is
    /// used, reproducible from (seed, step, row) alone so that resumed runs see the same batches.
    public func trainingSequence(_ row: Row, rowIndex: Int, step: Int, seed: UInt64) throws -> [Int32] {
        try sequence(row, order: trainingOrder(rowIndex: rowIndex, step: step, seed: seed))
    }

    /// The column order of training row `rowIndex` at step `step`.
    func trainingOrder(rowIndex: Int, step: Int, seed: UInt64) -> [Int] {
        order(seed: seed, use: step &* 1_000_003 &+ rowIndex)
    }

    /// The training batch of step `step`: `rows` (with their indices in the training table) in
    /// their orders of that step, the target's value tokens weighted `targetWeight`. The weights sum
    /// to 1 over the batch, or, with `eachRowAlone` (DP-SGD, whose per-row gradients must not depend
    /// on the other rows), to 1 over each row.
    public func trainingBatch(_ rows: [(row: Row, index: Int)], step: Int, seed: UInt64, eachRowAlone: Bool = false) throws -> TokenBatch {
        let target = targetWeight == 1 ? nil : serializer.schema.target.flatMap(serializer.schema.index(of:))
        var sequences: [[Int32]] = [], spans: [Range<Int>?] = []
        for (row, index) in rows {
            let order = trainingOrder(rowIndex: index, step: step, seed: seed)
            let sequence = try sequence(row, order: order)
            sequences.append(sequence)
            spans.append(try target.flatMap { try valueTokens(of: $0, in: row, order: order, sequence: sequence) })
        }
        var batch = batch(sequences)
        guard target != nil || eachRowAlone else { return batch }
        var total: Float = 0
        for (b, span) in spans.enumerated() {
            let positions = b * batch.length..<(b + 1) * batch.length
            var rowTotal: Float = 0
            // Position j predicts token j + 1 of the sequence.
            for i in positions where batch.weights[i] > 0 {
                let weight: Float = span?.contains(i - positions.lowerBound + 1) == true ? Float(targetWeight) : 1
                batch.weights[i] = weight
                rowTotal += weight
            }
            if eachRowAlone, rowTotal > 0 { for i in positions { batch.weights[i] /= rowTotal } }
            total += rowTotal
        }
        if !eachRowAlone, total > 0 { for i in batch.weights.indices { batch.weights[i] /= total } }
        return batch
    }

    /// The positions in `sequence` (the row's tokens with BOS first) of column `column`'s value:
    /// the value's own tokens at the end of the tokens of the text up to the value's end, which
    /// must begin the row's tokens. Decoding is exact, so those tokens spell the value and nothing
    /// else. Nil otherwise (a tokenizer whose pieces cross the value's edges); such a row is then
    /// weighted evenly. The value alone is short, so this costs little more than one encoding.
    func valueTokens(of column: Int, in row: Row, order: [Int], sequence: [Int32]) throws -> Range<Int>? {
        let text = Array(serializer.text(for: row, order: order).utf8)
        let range = serializer.valueRange(of: column, in: row, order: order)
        let through = try tokenizer.encode(String(decoding: text[..<range.upperBound], as: UTF8.self))
        let value = try tokenizer.encode(String(decoding: text[range], as: UTF8.self))
        guard !value.isEmpty, sequence.dropFirst().starts(with: through), through.reversed().starts(with: value.reversed()) else { return nil }
        return (1 + through.count - value.count)..<(1 + through.count)
    }

    /// The column order of use number `use` of a row: random, or one of `orders`.
    public func order(seed: UInt64, use: Int) -> [Int] {
        var generator = SplitMix64(seed: seed ^ 0x0DE5, stream: UInt64(bitPattern: Int64(use)))
        guard let orders, !orders.isEmpty, Double(generator.next() >> 11) * 0x1p-53 >= randomShare else {
            return serializer.columnOrder(seed: seed, rowIndex: use)
        }
        return orders[Int(generator.next() % UInt64(orders.count))]
    }

    public func batch(_ sequences: [[Int32]]) -> TokenBatch {
        let b = max(sequences.count, 1), t = length
        var tokens = [Int32](repeating: tokenizer.padID, count: b * t)
        var targets = [Int32](repeating: tokenizer.padID, count: b * t)
        var valid = [Bool](repeating: false, count: b * t)
        var count = 0
        for (i, sequence) in sequences.enumerated() {
            precondition(sequence.count - 1 <= t, "sequence longer than the batch length")
            for j in 0..<(sequence.count - 1) {
                tokens[i * t + j] = sequence[j]
                targets[i * t + j] = sequence[j + 1]
                valid[i * t + j] = true
                count += 1
            }
        }
        let weight = count == 0 ? 0 : 1 / Float(count)
        return TokenBatch(tokens: tokens, targets: targets, weights: valid.map { $0 ? weight : 0 },
                          batch: b, length: t, validTokens: count)
    }
}
