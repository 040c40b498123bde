import Foundation

/// `generate --mask-fairness`: at sampling time, a chosen column's value stops depending on the
/// sensitive column's.
///
/// The model itself is asked, never the private rows: `FairnessProbes`, `<s>sex is Female, income is`, give P(v | S = s) over the column's categories, and `<s>sex is`
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

    public init(model: GPT2<Float>, probes: FairnessProbes, threshold: Double = 1e-3) throws {
        sensitive = probes.sensitive
        groups = probes.groups
        groupShares = probes.distribution(model, after: try probes.groupPrompt(), over: probes.groupTokens)
        columns = try probes.columns.indices.map { [groupShares] index in
            let probe = probes.columns[index]
            let conditional = try probes.groups.indices.map { g in
                probes.distribution(model, after: try probes.prompt(group: g, column: index), over: probe.tokens)
            }
            let (pooled, shift) = Self.shifts(conditional: conditional, groupShares: groupShares, threshold: threshold)
            return Column(column: probe.column, values: probe.values, tokens: probe.tokens, conditional: conditional, pooled: pooled,
                          logitShift: shift, valueOfToken: Dictionary(uniqueKeysWithValues: zip(probe.tokens, probe.tokens.indices)))
        }
        groupOfToken = Dictionary(uniqueKeysWithValues: zip(probes.groupTokens, probes.groupTokens.indices))
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
