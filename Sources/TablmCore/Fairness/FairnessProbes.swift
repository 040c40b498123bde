/// Probe prompts for fairness work: row-text prefixes that fix the sensitive column's value and
/// stop where another column's value begins, `<s>sex is Female, income is`, written in the row
/// template (`Prompts/row-template.txt`, which is editable). They contain no rows, so what a model
/// says after them costs no privacy to compute.
public struct FairnessProbes: Sendable {
    public struct Column: Sendable {
        public let column: Int
        public let values: [String]
        /// One token per value (categories and, where allowed, the missing spelling).
        public let tokens: [Int32]
    }

    public let sensitive: Int
    public let groups: [String]
    public let groupTokens: [Int32]
    public let columns: [Column]
    private let serializer: RowSerializer
    private let tokenizer: Tokenizer

    public init(serializer: RowSerializer, tokenizer: Tokenizer, sensitive: String, columns names: [String]) throws {
        let schema = serializer.schema
        guard let s = schema.index(of: sensitive) else { throw OptionError("--sensitive: no column \(quoted: sensitive) in the schema") }
        self.serializer = serializer
        self.tokenizer = tokenizer
        self.sensitive = s
        (groups, groupTokens) = try Self.valueTokens(of: schema.columns[s], template: serializer.template, tokenizer: tokenizer)
        guard !names.isEmpty else { throw InputError("--fair-columns: no column given (and the schema names no target)") }
        columns = try names.map { name in
            guard let c = schema.index(of: name) else { throw OptionError("--fair-columns: no column \(quoted: name) in the schema") }
            guard c != s else { throw OptionError("--fair-columns: \(quoted: name) is the sensitive column") }
            let (values, tokens) = try Self.valueTokens(of: schema.columns[c], template: serializer.template, tokenizer: tokenizer)
            return Column(column: c, values: values, tokens: tokens)
        }
    }

    /// Single-token values of a categorical column.
    static func valueTokens(of column: ColumnSchema, template: RowTemplate, tokenizer: Tokenizer) throws -> ([String], [Int32]) {
        guard column.kind == .categorical else {
            throw InputError("fairness probes need categorical columns; \(quoted: column.name) is \(column.kind.rawValue)")
        }
        guard try !tokenizer.joinsLeadIn(of: column, template: template) else {
            throw InputError("fairness probes need the values of \(quoted: column.name) apart from its lead-in, and this tokenizer writes them as one piece; name the column as the schema's target or sensitive one (or pass it to --sensitive or --fair-columns) when the tokenizer is trained")
        }
        var values: [String] = [], tokens: [Int32] = []
        for value in FieldPieces.fieldValues(of: column, template: template) ?? [] {
            let ids = try tokenizer.encode(value)
            guard ids.count == 1 else {
                throw InputError("fairness probes need each value of \(quoted: column.name) to be one token; \(quoted: value) is \(ids.count) (train the tokenizer from the schema)")
            }
            values.append(value)
            tokens.append(ids[0])
        }
        return (values, tokens)
    }

    /// Columns in the schema.
    public var columnsCount: Int { serializer.schema.columns.count }

    private func field(_ column: Int) -> String {
        serializer.template.prefix + serializer.schema.columns[column].name + serializer.template.infix
    }

    /// `<s>[context]S is g, C is`: what follows is column `columns[index]`'s value for group `group`.
    /// `context` is empty or row text of other columns ending in the separator (`contextText`).
    public func prompt(group: Int, column index: Int, context: String = "") throws -> [Int32] {
        try fieldPrompt(group: group, schemaColumn: columns[index].column, context: context)
    }

    /// `<s>[context]S is g, C is` for any column C of the schema (index `column`), categorical or not.
    public func fieldPrompt(group: Int, schemaColumn column: Int, context: String = "") throws -> [Int32] {
        let template = serializer.template
        return [tokenizer.bosID] + (try tokenizer.encode(context + field(sensitive) + groups[group] + template.suffix + template.separator
                                                         + field(column)))
    }

    /// `<s>[context]C is v, S is`: what follows is the sensitive value for rows whose column
    /// `columns[index]` is its value number `value` (the other direction of the same dependence).
    public func reversePrompt(value: Int, column index: Int, context: String = "") throws -> [Int32] {
        let template = serializer.template, column = columns[index]
        return [tokenizer.bosID] + (try tokenizer.encode(context + field(column.column) + column.values[value] + template.suffix
                                                         + template.separator + field(sensitive)))
    }

    /// `<s>context C is`: the value of column `columns[index]` after a context that already holds the
    /// sensitive field (rows generated with the sensitive value written first).
    public func valuePrompt(context: String, column index: Int) throws -> [Int32] {
        [tokenizer.bosID] + (try tokenizer.encode(context + field(columns[index].column)))
    }

    /// Row text of `row`'s cells in `columns` (in that order), each field followed by the separator:
    /// a context for the prompts above. The rows come from the model itself, never from the table.
    public func contextText(_ row: Row, columns order: [Int]) -> String {
        let template = serializer.template
        return order.map { field($0) + serializer.valueText(row[$0], column: $0) + template.suffix + template.separator }.joined()
    }

    /// A random-length prefix of a random order of the columns other than S and `column`: the
    /// columns of a context, as generation writes a value after a random subset of the others.
    func randomOthers(than column: Int, using generator: inout SplitMix64) -> [Int] {
        let others = (0..<columnsCount).filter { $0 != sensitive && $0 != column }.shuffled(using: &generator)
        return Array(others.prefix(Int.random(in: 0...others.count, using: &generator)))
    }

    /// Prompts as one batch, right-padded to the longest (causal attention: padding after a prompt
    /// does not change its states), with each prompt's last position.
    static func batch(_ prompts: [[Int32]], padding: Int32) -> (batch: TokenBatch, lastPositions: [Int]) {
        let length = prompts.map(\.count).max() ?? 1
        var tokens: [Int32] = []
        for prompt in prompts { tokens += prompt + [Int32](repeating: padding, count: length - prompt.count) }
        return (TokenBatch(tokens: tokens, targets: [], weights: [], batch: prompts.count, length: length, validTokens: 0),
                prompts.map { $0.count - 1 })
    }

    /// softmax(z); −∞ entries get 0, and all of them −∞ give all 0.
    static func softmax(_ z: [Double]) -> [Double] {
        let top = z.max() ?? 0
        guard top > -.infinity else { return z.map { _ in 0 } }
        let e = z.map { exp($0 - top) }
        let total = e.reduce(0, +)
        return e.map { $0 / total }
    }
}

import Foundation
