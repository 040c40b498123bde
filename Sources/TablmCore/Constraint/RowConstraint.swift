/// The schema as a finite-state machine over tokens: every row it lets through parses, so
/// generation needs no rejection loop.
///
/// A row is: a column's lead-in (the template prefix, its name and the template's ` is `; each column
/// once, all columns), a legal value, the template suffix, then the separator and the next column's
/// lead-in, or the end of row after the last. Lead-ins are matched as whole token sequences
/// (`separator + prefix + name + infix`), so a tokenizer that spells `, age is ` as one piece
/// (`TokenizerTrainer`) and one that spells it as three give the same rows. A column with a value list
/// whose lead-in and value the tokenizer writes together (`FieldPieces`: `, workclass is Private`) is
/// matched as whole fields, the lead-in trie holding `lead-in + value` for each allowed value, so the
/// only spelling allowed is the tokenizer's own (the one training saw). A legal value is a category
/// of the column (a trie over the categories' token sequences), the missing spelling where the column
/// allows missing values, one of an integer column's listed values (a trie too), or a number written
/// digit by digit that can still end inside the column's range at its precision (`NumberPrefix`).
/// Conditions narrow the values of their columns and put those columns first, so the model
/// generates the rest conditioned on them.
///
/// Everything that depends only on schema × tokenizer (tries, digit tokens, literal token
/// sequences) is built once here; a step looks up a node's children or tests ten digits.
public final class RowConstraint: TokenConstraint, @unchecked Sendable {
    public struct State: Sendable {
        var used: [Bool]
        var remaining: Int
        var conditionIndex = 0
        var phase: Phase
    }

    enum Phase: Sendable {
        /// Inside the lead-in trie of the first field (`first`) or of a later one.
        case lead(first: Bool, node: Int)
        /// Writing the template suffix after a value.
        case suffix(Int)
        /// Inside a value: category trie node and/or number prefix (either may be gone).
        case value(column: Int, trieNode: Int?, number: NumberPrefix?)
        /// Every column written: only the end of row may come.
        case end
        case finished
    }

    private struct ColumnPlan {
        var valueTrie: TokenTrie
        var numberRange: ClosedRange<Int64>?
        var decimals: Int
    }

    public let schema: Schema
    public let eos: Int32
    private let suffixTokens: [Int32]
    /// What a sequence of the lead-in tries ends: a column's lead-in (its value follows), or a whole
    /// field (`complete`: lead-in and value, for columns whose fields are pieces).
    private struct FieldEnd {
        var column: Int
        var complete: Bool
    }

    /// Lead-ins (or whole fields) by column: `prefix + name + infix` for the first field, `separator +
    /// prefix + name + infix` for the others. Their sequences' indices point into `ends`.
    private let firstLeads, nextLeads: TokenTrie
    private let ends: [FieldEnd]
    private let plans: [ColumnPlan]
    /// Columns written in a forced order, first: conditioned ones, then (fixed order) all the others.
    private let conditioned: [Int]
    private let digitTokens: [(token: Int32, symbol: NumberPrefix.Symbol)]
    private let symbolOfToken: [Int32: NumberPrefix.Symbol]

    /// Where the model chooses the order: columns not named until all of `writtenFirst` are written.
    private let writtenAfter: [Bool]
    private let writtenFirst: [Int]

    /// - Parameter fixedOrder: write the columns in `order` (the schema's if nil), after conditioned
    ///   ones, instead of letting the model choose the next column.
    /// - Parameter precedence: where the model chooses the order, `then`'s columns come after all of
    ///   `first`'s (the fairness mask of a threshold or an intersection needs the group before the
    ///   value it shifts). Conditioned columns come first regardless.
    public init(schema: Schema, template: RowTemplate, tokenizer: Tokenizer, conditions: [ColumnCondition] = [],
                fixedOrder: Bool = false, order: [Int]? = nil, precedence: (first: [Int], then: [Int])? = nil) throws {
        self.schema = schema
        writtenFirst = precedence?.first ?? []
        writtenAfter = schema.columns.indices.map { precedence?.then.contains($0) ?? false }
        eos = tokenizer.eosID
        func encode(_ text: String, _ what: String) throws -> [Int32] {
            do { return try tokenizer.encode(text) } catch {
                throw InputError("the tokenizer cannot spell \(what) \(quoted: text): \(error.message)")
            }
        }
        suffixTokens = try encode(template.suffix, "the template suffix")

        var symbols: [Int32: NumberPrefix.Symbol] = [:]
        for (character, symbol) in [("-", NumberPrefix.Symbol.minus), (".", .point)] + (0...9).map({ ("\($0)", NumberPrefix.Symbol.digit(UInt8($0))) }) {
            if let id = tokenizer.id(ofPiece: character) { symbols[id] = symbol }
        }
        symbolOfToken = symbols
        digitTokens = symbols.map { ($0.key, $0.value) }.sorted { $0.token < $1.token }

        var byName: [String: [ColumnCondition]] = [:]
        for condition in conditions {
            guard schema.index(of: condition.column) != nil else {
                throw InputError("condition on \(quoted: condition.column): no such column\(NearestName.hint(for: condition.column, among: schema.columnNames)) (columns: \(names: schema.columnNames))")
            }
            byName[condition.column, default: []].append(condition)
        }
        var conditionedOrder: [Int] = []
        for condition in conditions where !conditionedOrder.contains(schema.index(of: condition.column)!) {
            conditionedOrder.append(schema.index(of: condition.column)!)
        }
        if let order, order.sorted() != Array(schema.columns.indices) { throw InputError("a column order must list every column once") }
        // In a trained order, conditioned columns keep their places relative to each other, so
        // conditions on the order's first columns give a prefix the model has seen.
        if fixedOrder, let order { conditionedOrder.sort { order.firstIndex(of: $0)! < order.firstIndex(of: $1)! } }
        conditioned = conditionedOrder + (fixedOrder ? (order ?? Array(schema.columns.indices)).filter { !conditionedOrder.contains($0) } : [])

        var plans: [ColumnPlan] = []
        // Each column's allowed values where its fields are whole pieces (nil: lead-in, then value).
        var joinedValues: [[String]?] = []
        /// A column written as whole fields: its values go to the lead-in tries, it has no value phase.
        func joinFields(_ values: [String]) {
            joinedValues.append(values)
            plans.append(ColumnPlan(valueTrie: TokenTrie([]), numberRange: nil, decimals: 0))
        }
        for column in schema.columns {
            let restrictions = byName[column.name] ?? []
            var sequences: [(tokens: [Int32], index: Int)] = []
            var allowsMissing = column.allowsMissing
            var range: ClosedRange<Int64>? = column.kind == .categorical ? nil : column.unitRange
            var categories = column.categories ?? []
            for condition in restrictions {
                let literalCategory = column.kind == .categorical && condition.literal.map { (column.categories ?? []).contains($0) } == true
                switch literalCategory ? .values([condition.literal!]) : condition.restriction {
                case .values(let values):
                    allowsMissing = allowsMissing && values.contains(template.missing)
                    let wanted = values.filter { $0 != template.missing }
                    if column.kind == .categorical {
                        let listed = column.categories ?? []
                        for value in wanted where !listed.contains(value) {
                            throw InputError("condition \(column.name)=\(value): \(quoted: value) is not a category of \(quoted: column.name)\(NearestName.hint(for: value, among: listed))")
                        }
                        categories = categories.filter { wanted.contains($0) }
                    } else {
                        var units: [Int64] = []
                        for value in wanted {
                            guard case .success(let unit) = FixedPoint.parse(value, decimals: column.decimals, canonical: false) else {
                                throw InputError("condition \(column.name)=\(value): not a number")
                            }
                            guard FixedPoint.isExact(value, decimals: column.decimals) else {
                                throw InputError("condition \(column.name)=\(value): \(quoted: column.name) keeps \(column.decimals) decimals, so no row has this value; give one it can hold, or a range (lo..hi)")
                            }
                            units.append(unit)
                        }
                        guard units.count <= 1 else { throw InputError("condition on numeric \(quoted: column.name): use a range (lo..hi) rather than a list") }
                        range = units.first.map { $0...$0 }.flatMap { clamp($0, range) }
                    }
                case .range(let lower, let lowerInclusive, let upper, let upperInclusive):
                    guard column.kind != .categorical else { throw InputError("condition on categorical \(quoted: column.name) cannot be a numeric range") }
                    allowsMissing = false
                    func units(_ text: String?, up: Bool, inclusive: Bool) throws -> Int64? {
                        guard let text else { return nil }
                        let value = try FixedPoint.parseBound(text, decimals: column.decimals, roundUp: up, column: column.name)
                        return inclusive ? value.units : (up ? (value.exact ? value.units + 1 : value.units) : (value.exact ? value.units - 1 : value.units))
                    }
                    let low = try units(lower, up: true, inclusive: lowerInclusive) ?? Int64.min
                    let high = try units(upper, up: false, inclusive: upperInclusive) ?? Int64.max
                    range = low <= high ? clamp(low...high, range) : nil
                }
            }
            if column.kind == .categorical {
                if try tokenizer.joinsLeadIn(of: column, template: template) {
                    guard !categories.isEmpty || allowsMissing else { throw InputError("the conditions on \(quoted: column.name) leave no value") }
                    joinFields(categories + (allowsMissing ? [template.missing] : []))
                    continue
                }
                sequences = try categories.enumerated().map { (try encode($1, "category"), $0) }
            } else if let values = column.values {
                // Listed values are a trie of their spellings, like categories (units are the integers).
                let listed = range.map { range in values.filter(range.contains) } ?? []
                guard !listed.isEmpty || allowsMissing else {
                    throw InputError("the conditions on \(quoted: column.name) leave none of the values its schema lists")
                }
                if try tokenizer.joinsLeadIn(of: column, template: template) {
                    joinFields(listed.map(String.init) + (allowsMissing ? [template.missing] : []))
                    continue
                }
                sequences = try listed.enumerated().map { (try encode(String($1), "value"), $0) }
                range = nil
            } else if range == nil && !allowsMissing {
                throw InputError("the conditions on \(quoted: column.name) leave no value inside its range")
            }
            if allowsMissing { sequences.append((try encode(template.missing, "the missing spelling"), -1)) }
            if sequences.isEmpty && range == nil { throw InputError("the conditions on \(quoted: column.name) leave no value") }
            if column.kind != .categorical, range != nil {
                guard symbols.values.contains(.digit(0)) && symbols.count >= 10 else {
                    throw InputError("the tokenizer has no single-character digit pieces; \(quoted: column.name) cannot be written digit by digit")
                }
                if allowsMissing, let first = sequences.last?.tokens.first, symbols[first] != nil {
                    throw InputError("the missing spelling starts like a number; change it in the template")
                }
            }
            joinedValues.append(nil)
            plans.append(ColumnPlan(valueTrie: TokenTrie(sequences), numberRange: range, decimals: column.decimals))
        }
        self.plans = plans

        var ends: [FieldEnd] = []
        var sequences: (first: [(tokens: [Int32], index: Int)], next: [(tokens: [Int32], index: Int)]) = ([], [])
        for (index, column) in schema.columns.enumerated() {
            let lead = template.prefix + column.name + template.infix
            for value in joinedValues[index] ?? [""] {
                sequences.first.append((try encode(lead + value, "column name"), ends.count))
                sequences.next.append((try encode(template.separator + lead + value, "column name"), ends.count))
                ends.append(FieldEnd(column: index, complete: joinedValues[index] != nil))
            }
        }
        func trie(_ sequences: [(tokens: [Int32], index: Int)]) throws -> TokenTrie {
            let trie = TokenTrie(sequences)
            // A lead-in that is a prefix of another would leave the next token ambiguous (name or value);
            // so would a whole field that is a prefix of another.
            if let node = trie.nodes.first(where: { $0.terminal != nil && !$0.children.isEmpty }) {
                let end = ends[node.terminal!]
                throw InputError(end.complete
                    ? "the tokenizer spells a field of \(quoted: schema.columns[end.column].name) as the start of another; it cannot be constrained"
                    : "column \(quoted: schema.columns[end.column].name) followed by \(quoted: template.infix) starts another column's name; rename one of them")
            }
            return trie
        }
        firstLeads = try trie(sequences.first)
        nextLeads = try trie(sequences.next)
        self.ends = ends
        maximumTokens = longestRow()
    }

    public func start() -> State {
        State(used: [Bool](repeating: false, count: schema.columns.count), remaining: schema.columns.count,
              phase: .lead(first: true, node: 0))
    }

    /// The column whose value the next token starts, if the row is at the start of a value.
    public func valueStart(_ state: State) -> Int? {
        if case .value(let column, let trieNode, _) = state.phase, trieNode == 0 {
            return column
        }
        return nil
    }

    public func isFinished(_ state: State) -> Bool {
        if case .finished = state.phase { return true }
        return false
    }

    /// The columns written in a forced order, first: conditioned ones, then, in a fixed order, all.
    public var forcedOrder: [Int] { conditioned }

    /// The column whose value the row is inside (its first token included), if any.
    public func valueColumn(_ state: State) -> Int? {
        if case .value(let column, _, _) = state.phase { return column }
        return nil
    }

    /// Which columns may be named next: the next conditioned column, else any unused one (one that
    /// must wait for others only once they are written).
    private func nameAllowed(_ column: Int, _ state: State) -> Bool {
        if state.conditionIndex < conditioned.count { return column == conditioned[state.conditionIndex] }
        if writtenAfter[column], writtenFirst.contains(where: { !state.used[$0] }) { return false }
        return !state.used[column]
    }

    public func allowedTokens(_ state: State, into allowed: inout [Int32]) {
        allowed.removeAll(keepingCapacity: true)
        switch state.phase {
        case .finished:
            return
        case .end:
            allowed.append(eos)
        case .suffix(let index):
            allowed.append(suffixTokens[index])
        case .lead(let first, let node):
            appendLeadTokens(first ? firstLeads : nextLeads, node: node, state, into: &allowed)
        case .value(let column, let trieNode, let number):
            let plan = plans[column]
            var complete = false
            if let trieNode {
                allowed += plan.valueTrie.nodes[trieNode].childTokens
                complete = trieNode != 0 && plan.valueTrie.nodes[trieNode].terminal != nil
            }
            if let number, let range = plan.numberRange {
                for (token, symbol) in digitTokens {
                    if let next = number.appending(symbol, decimals: plan.decimals), next.canComplete(decimals: plan.decimals, range: range) {
                        allowed.append(token)
                    }
                }
                complete = complete || number.isComplete(decimals: plan.decimals, range: range)
            }
            if complete { tokensAfterValue(state, into: &allowed) }
        }
    }

    /// What may start after a complete value: the suffix, or the next allowed lead-in, or the end.
    private func tokensAfterValue(_ state: State, into allowed: inout [Int32]) {
        if !suffixTokens.isEmpty {
            allowed.append(suffixTokens[0])
        } else if state.remaining == 0 {
            allowed.append(eos)
        } else {
            appendLeadTokens(nextLeads, node: 0, state, into: &allowed)
        }
    }

    /// The tokens that continue, from `node` of a lead-in trie, some column that may be named next.
    private func appendLeadTokens(_ trie: TokenTrie, node: Int, _ state: State, into allowed: inout [Int32]) {
        for token in trie.nodes[node].childTokens
        where trie.indices(below: trie.nodes[node].children[token]!).contains(where: { nameAllowed(ends[$0].column, state) }) {
            allowed.append(token)
        }
    }

    public func advance(_ state: inout State, with token: Int32) {
        switch state.phase {
        case .finished:
            preconditionFailure("advance after the end of the row")
        case .end:
            precondition(token == eos, "only the end of row may follow the last value")
            state.phase = .finished
        case .suffix(let index):
            precondition(suffixTokens[index] == token, "token \(token) is not allowed here")
            if index + 1 < suffixTokens.count {
                state.phase = .suffix(index + 1)
            } else {
                state.phase = state.remaining > 0 ? .lead(first: false, node: 0) : .end
            }
        case .lead(let first, let node):
            let trie = first ? firstLeads : nextLeads
            guard let child = trie.nodes[node].children[token], trie.indices(below: child).contains(where: { nameAllowed(ends[$0].column, state) }) else {
                preconditionFailure("token \(token) does not continue an allowed column's lead-in")
            }
            if let end = trie.nodes[child].terminal.map({ ends[$0] }) {
                choose(end.column, &state)
                if end.complete { endValue(&state) }
            } else {
                state.phase = .lead(first: first, node: child)
            }
        case .value(let column, let trieNode, let number):
            let plan = plans[column]
            let nextNode = trieNode.flatMap { plan.valueTrie.nodes[$0].children[token] }
            let nextNumber = number.flatMap { prefix in symbolOfToken[token].flatMap { prefix.appending($0, decimals: plan.decimals) } }
            if nextNode != nil || nextNumber != nil {
                state.phase = .value(column: column, trieNode: nextNode, number: nextNumber)
                return
            }
            // The value ended; the token starts what follows it.
            endValue(&state)
            advance(&state, with: token)
        }
    }

    /// After a complete value: the suffix, the next lead-in, or the end of row.
    private func endValue(_ state: inout State) {
        if !suffixTokens.isEmpty {
            state.phase = .suffix(0)
        } else if state.remaining > 0 {
            state.phase = .lead(first: false, node: 0)
        } else {
            state.phase = .end
        }
    }

    private func choose(_ column: Int, _ state: inout State) {
        state.used[column] = true
        state.remaining -= 1
        if state.conditionIndex < conditioned.count { state.conditionIndex += 1 }
        state.phase = .value(column: column, trieNode: 0, number: plans[column].numberRange == nil ? nil : NumberPrefix())
    }

    /// The longest row this constraint can produce, in tokens (with `<s>` and `</s>`): the context a
    /// model needs to finish every row.
    public private(set) var maximumTokens = 0

    private func longestRow() -> Int {
        // The longest lead-in (or whole field) of each column, as a row's first field and as a later one.
        var first = [Int](repeating: 0, count: plans.count), next = first
        for (index, end) in ends.enumerated() {
            first[end.column] = max(first[end.column], firstLeads.lengths[index]!)
            next[end.column] = max(next[end.column], nextLeads.lengths[index]!)
        }
        // Every field but one is a later one; the first may be longer (bounded by the largest difference).
        var total = 2 + (plans.indices.map { first[$0] - next[$0] }.max() ?? 0)
        for (index, plan) in plans.enumerated() {
            var longestValue = plan.valueTrie.longestSequence
            if let range = plan.numberRange {
                let magnitude = max(range.lowerBound.magnitude, range.upperBound.magnitude)
                let digits = String(magnitude).count + (range.lowerBound < 0 ? 1 : 0) + (plan.decimals > 0 ? 1 : 0)
                longestValue = max(longestValue, digits)
            }
            total += next[index] + longestValue + suffixTokens.count
        }
        return total
    }
}

private func clamp(_ range: ClosedRange<Int64>, _ outer: ClosedRange<Int64>?) -> ClosedRange<Int64>? {
    guard let outer else { return range }
    let low = max(range.lowerBound, outer.lowerBound), high = min(range.upperBound, outer.upperBound)
    return low <= high ? low...high : nil
}
