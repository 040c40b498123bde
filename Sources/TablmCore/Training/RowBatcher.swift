/// One training batch: inputs, next-token targets and loss weights, [batch, length] row-major.
public struct TokenBatch {
    public var tokens: [Int32]
    public var targets: [Int32]
    /// 1/(valid tokens in the batch) for real positions, 0 for padding: the loss is the mean per token.
    public var weights: [Float]
    public var batch: Int
    public var length: Int
    public var validTokens: Int

    /// The sequences `rows` of this batch, as a batch of their own.
    func rows(_ rows: Range<Int>) -> TokenBatch {
        let positions = (rows.lowerBound * length)..<(rows.upperBound * length)
        let weights = Array(self.weights[positions])
        return TokenBatch(tokens: Array(tokens[positions]), targets: Array(targets[positions]), weights: weights,
                          batch: rows.count, length: length, validTokens: weights.filter { $0 > 0 }.count)
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

    /// `length` is the longest sequence among `rows` (inputs exclude the last token), checked against `context`.
    public init(serializer: RowSerializer, tokenizer: Tokenizer, rows: [Row], context: Int) throws {
        self.serializer = serializer
        self.tokenizer = tokenizer
        var longest = 0
        let texts = rows.map { serializer.text(for: $0) }
        do {
            for ids in try tokenizer.encode(batch: texts) { longest = max(longest, ids.count + 1) }
        } catch {
            throw InputError("a row cannot be tokenized: \(error.message)")
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
        try sequence(row, order: order(seed: seed, use: step &* 1_000_003 &+ rowIndex))
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
