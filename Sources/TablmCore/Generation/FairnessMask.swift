import Foundation

/// `generate --mask-fairness`: at sampling time, a chosen column's value stops depending on the
/// sensitive column's.
///
/// The model itself is asked, never the private rows: probe prompts written in the row template,
/// `<s>sex is Female, income is`, give P(v | S = s) over the column's categories, and `<s>sex is`
/// gives P(S = s). Their mixture is the pooled P(v) = Σ_s P(s)·P(v | s). While generating, a row
/// whose sensitive value is s draws the column's value with its logits shifted by
/// log(P(v) / P(v | s)), so that P(v | s) follows the pooled P(v); a value that only group s would
/// take (P(v | s') below `threshold` for every other group s') is masked out. The sensitive column
/// is written first in every row, so the shift always knows s.
///
/// The correction is exact for rows made of these two columns and approximate when other columns
/// come between them, since they carry information about s too; `generate` prints the per-group
/// shares it produced next to the model's.
public struct FairnessMask: Sendable {
    public struct Column: Sendable {
        public let column: Int
        public let values: [String]
        public let tokens: [Int32]
        /// P(value | group) from the probes: [group][value].
        public let conditional: [[Double]]
        public let pooled: [Double]
        /// Added to the value's logit for a row of the group: [group][value]; −∞ masks.
        public let logitShift: [[Float]]
        let valueOfToken: [Int32: Int]

        /// The shift of `token`'s logit for a row of `group` (0 for tokens that are not values).
        func shift(_ token: Int32, group: Int) -> Float { valueOfToken[token].map { logitShift[group][$0] } ?? 0 }
    }

    public let sensitive: Int
    public let groups: [String]
    /// P(S = s) from the model's probe.
    public let groupShares: [Double]
    public let columns: [Column]
    private let groupOfToken: [Int32: Int]
    private let columnIndex: [Int: Int]

    /// Single-token values of a categorical column (its categories, and the missing spelling when it
    /// is one token); the constraint guarantees the value is one of them.
    private static func valueTokens(of column: ColumnSchema, template: RowTemplate, tokenizer: Tokenizer) throws -> (values: [String], tokens: [Int32]) {
        guard column.kind == .categorical else {
            throw InputError("--mask-fairness works on categorical columns; '\(column.name)' is \(column.kind.rawValue)")
        }
        var values: [String] = [], tokens: [Int32] = []
        for value in (column.categories ?? []) + (column.allowsMissing ? [template.missing] : []) {
            let ids = try tokenizer.encode(value)
            guard ids.count == 1 else {
                throw InputError("--mask-fairness needs each value of '\(column.name)' to be one token; '\(value)' is \(ids.count) (train the tokenizer from the schema)")
            }
            values.append(value)
            tokens.append(ids[0])
        }
        return (values, tokens)
    }

    public init(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, sensitive: String, columns fair: [String],
                threshold: Double = 1e-3) throws {
        let schema = serializer.schema, template = serializer.template
        guard let s = schema.index(of: sensitive) else { throw InputError("--sensitive: no column '\(sensitive)' in the schema") }
        let (groups, groupTokens) = try Self.valueTokens(of: schema.columns[s], template: template, tokenizer: tokenizer)
        func next(after text: String, over tokens: [Int32]) throws -> [Double] {
            let ids = [tokenizer.bosID] + (try tokenizer.encode(text))
            let v = model.config.vocabularySize
            let logits = model.logits(tokens: ids, batch: 1, length: ids.count)
            let last = logits[((ids.count - 1) * v)...]
            let chosen = tokens.map { Double(last[last.startIndex + Int($0)]) }
            let top = chosen.max()!
            let weights = chosen.map { exp($0 - top) }
            let total = weights.reduce(0, +)
            return weights.map { $0 / total }
        }
        let field = { (column: Int) in template.prefix + schema.columns[column].name + template.infix }
        self.sensitive = s
        self.groups = groups
        groupShares = try next(after: field(s), over: groupTokens)
        var columns: [Column] = []
        for name in fair {
            guard let c = schema.index(of: name) else { throw InputError("--fair-columns: no column '\(name)' in the schema") }
            guard c != s else { throw InputError("--fair-columns: '\(name)' is the sensitive column") }
            let (values, tokens) = try Self.valueTokens(of: schema.columns[c], template: template, tokenizer: tokenizer)
            let conditional = try groups.map { group in
                try next(after: field(s) + group + template.suffix + template.separator + field(c), over: tokens)
            }
            let (pooled, shift) = Self.shifts(conditional: conditional, groupShares: groupShares, threshold: threshold)
            columns.append(Column(column: c, values: values, tokens: tokens, conditional: conditional, pooled: pooled, logitShift: shift,
                                  valueOfToken: Dictionary(uniqueKeysWithValues: zip(tokens, tokens.indices))))
        }
        self.columns = columns
        groupOfToken = Dictionary(uniqueKeysWithValues: zip(groupTokens, groupTokens.indices))
        columnIndex = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1.column, $0) })
    }

    /// The pooled distribution Σ_s P(s)·P(v | s) and the logit shifts log(pooled / P(v | s)).
    /// A value only group s would take (every other group below `threshold`) gets −∞ for s; a value
    /// group s itself almost never takes (below `threshold`) is left alone, since raising it by a
    /// huge ratio would turn a model's near-zero into a certainty. Masking must leave a group some
    /// value it plausibly takes; where it would not (groups fully separated), nothing is masked.
    static func shifts(conditional: [[Double]], groupShares: [Double], threshold: Double) -> (pooled: [Double], shifts: [[Float]]) {
        let values = conditional.first?.count ?? 0
        let pooled = (0..<values).map { v in zip(groupShares, conditional).reduce(0.0) { $0 + $1.0 * $1.1[v] } }
        let shifts = conditional.indices.map { g -> [Float] in
            let plausible = (0..<values).filter { conditional[g][$0] >= threshold }
            let own = Set(plausible.filter { v in conditional.count > 1 && conditional.indices.allSatisfy { $0 == g || conditional[$0][v] < threshold } })
            let mask = own.count < plausible.count
            return (0..<values).map { v -> Float in
                guard conditional[g][v] >= threshold else { return 0 }
                return mask && own.contains(v) ? -.infinity : Float(log(pooled[v] / conditional[g][v]))
            }
        }
        return (pooled, shifts)
    }

    /// The group a sensitive-value token stands for.
    func group(of token: Int32) -> Int? { groupOfToken[token] }

    /// The fair column being written at a value start, if `column` is one.
    func fairColumn(_ column: Int) -> Column? { columnIndex[column].map { columns[$0] } }
}
