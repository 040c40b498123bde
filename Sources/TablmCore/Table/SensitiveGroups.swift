/// The groups a fairness audit compares, as `--sensitive` names them: the values of a categorical
/// column (`sex`), the two sides of a threshold on a numeric column (`age<25`: German credit's
/// protected group), or the intersection of such parts (`sex&race`: every combination is a group,
/// as intersectional audits count them; Buolamwini & Gebru 2018, Kearns et al. 2018).
public struct SensitiveGroups: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        // Two-character operators first, so that `age<=25` is not read as `age<` `=25`.
        case lessOrEqual = "<=", greaterOrEqual = ">=", less = "<", greater = ">"

        func holds(_ units: Int64, _ bound: Int64) -> Bool {
            switch self {
            case .less: units < bound
            case .lessOrEqual: units <= bound
            case .greater: units > bound
            case .greaterOrEqual: units >= bound
            }
        }

        /// The other side of the threshold, as written in the group's name.
        var complement: String {
            switch self {
            case .less: ">="
            case .lessOrEqual: ">"
            case .greater: "<="
            case .greaterOrEqual: "<"
            }
        }
    }

    public enum Part: Sendable, Equatable {
        /// Each value of a categorical column (and its missing spelling, where allowed) is a group.
        case column(Int)
        /// Rows on the threshold's side, the rest, and (where allowed) missing ones.
        case threshold(column: Int, comparison: Comparison, bound: Int64, boundText: String)

        public var column: Int {
            switch self {
            case .column(let c), .threshold(let c, _, _, _): c
            }
        }
    }

    /// As the user wrote it (`age<25`, `sex&race`).
    public let description: String
    public let parts: [Part]
    /// Every group's name (`Female`, `age<25`, `Female & White`), the parts' groups combined with the
    /// last part varying fastest.
    public let names: [String]
    /// Each part's group names.
    public let partNames: [[String]]
    let partValues: [[Cell]]

    /// Parses `text`: parts joined by `&`, each a column name or `column<bound` (`<`, `<=`, `>`, `>=`;
    /// the bound a number of the column's precision).
    public init(parsing text: String, schema: Schema, flag: String = "--sensitive") throws {
        let pieces = text.split(separator: "&", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !pieces.contains(where: \.isEmpty) else { throw OptionError("\(flag) \(quoted: text): an empty part (write COL, COL<NUMBER or COL&COL)") }
        var parts: [Part] = [], partNames: [[String]] = [], partValues: [[Cell]] = []
        for piece in pieces {
            let (part, names, values) = try Self.part(piece, schema: schema, flag: flag)
            guard !parts.contains(where: { $0.column == part.column }) else {
                throw OptionError("\(flag) \(quoted: text): \(quoted: schema.columns[part.column].name) appears twice")
            }
            parts.append(part)
            partNames.append(names)
            partValues.append(values)
        }
        let total = partNames.reduce(1) { $0 * $1.count }
        guard total <= Self.largestGroupCount else {
            throw OptionError("\(flag) \(quoted: text): \(total) groups; at most \(Self.largestGroupCount) (a group needs rows to be measured)")
        }
        description = text
        self.parts = parts
        self.partNames = partNames
        self.partValues = partValues
        names = partNames.reduce([""]) { names, part in names.flatMap { prefix in part.map { prefix.isEmpty ? $0 : prefix + " & " + $0 } } }
    }

    /// More groups than this leave too few rows in each to say anything.
    public static let largestGroupCount = 64

    private static func part(_ text: String, schema: Schema, flag: String) throws -> (Part, [String], [Cell]) {
        for comparison in Comparison.allCases {
            guard let range = text.range(of: comparison.rawValue) else { continue }
            let name = text[..<range.lowerBound].trimmingCharacters(in: .whitespaces)
            let boundText = text[range.upperBound...].trimmingCharacters(in: .whitespaces)
            guard let c = schema.index(of: name) else { throw OptionError("\(flag): no column \(quoted: name) in the schema") }
            let column = schema.columns[c]
            guard column.kind != .categorical else {
                throw OptionError("\(flag) \(quoted: text): \(quoted: name) is categorical; a threshold needs a numeric column (name the column alone for one group per category)")
            }
            // More decimals than the column keeps would be rounded into another threshold: refused.
            let decimals = boundText.split(separator: ".", omittingEmptySubsequences: false).dropFirst().first?.count ?? 0
            guard decimals <= column.decimals, case .success(let bound) = FixedPoint.parse(boundText, decimals: column.decimals, canonical: false) else {
                throw OptionError("\(flag) \(quoted: text): \(quoted: boundText) is not a number with at most \(column.decimals) decimals")
            }
            guard column.unitRange.contains(bound) else {
                throw OptionError("\(flag) \(quoted: text): \(boundText) is outside \(quoted: name)'s range")
            }
            let shown = FixedPoint.format(units: bound, decimals: column.decimals)
            // Both sides must be able to hold a row: `age<17` where ages start at 17 made a group empty by
            // the schema, and its gap of 0 read as fair.
            let ends = column.unitRange
            guard comparison.holds(ends.lowerBound, bound) != comparison.holds(ends.upperBound, bound) else {
                let range = "[\(FixedPoint.format(units: ends.lowerBound, decimals: column.decimals)), \(FixedPoint.format(units: ends.upperBound, decimals: column.decimals))]"
                throw OptionError("\(flag) \(quoted: text): every value of \(quoted: name)'s range \(range) is on one side of \(shown), so one group is empty")
            }
            var names = [name + comparison.rawValue + shown, name + comparison.complement + shown]
            var values: [Cell] = [.number(1), .number(0)]   // inside, outside: compared in `index(of:)`
            if column.allowsMissing {
                names.append(name + " missing")
                values.append(.missing)
            }
            return (.threshold(column: c, comparison: comparison, bound: bound, boundText: shown), names, values)
        }
        guard let c = schema.index(of: text) else { throw OptionError("\(flag): no column \(quoted: text) in the schema") }
        let column = schema.columns[c]
        guard let categories = column.categories, column.kind == .categorical else {
            throw OptionError("\(flag) \(quoted: text) is a numeric column; give a threshold to split it, as \(quoted: text + "<" + "NUMBER")")
        }
        var names = categories, values = categories.map(Cell.category)
        if column.allowsMissing {
            names.append("(missing)")
            values.append(.missing)
        }
        return (.column(c), names, values)
    }

    /// The columns the groups are read from.
    public var columns: [Int] { parts.map(\.column) }

    /// The column names `text` reads, without a schema: what a tokenizer trained before the schema
    /// is checked keeps apart from its lead-ins.
    public static func columnNames(in text: String) -> [String] {
        text.split(separator: "&").map { part in
            String(part.prefix { $0 != "<" && $0 != ">" }).trimmingCharacters(in: .whitespaces)
        }
    }

    /// The one categorical column when the groups are its values: the case the token-level mask and
    /// the training terms handle.
    public var singleColumn: Int? {
        if parts.count == 1, case .column(let c) = parts[0] { c } else { nil }
    }

    /// The group of a part's cell, an index into `partNames[part]`.
    func index(ofPart part: Int, cell: Cell) -> Int? {
        switch parts[part] {
        case .column:
            return partValues[part].firstIndex(of: cell)
        case .threshold(_, let comparison, let bound, _):
            switch cell {
            case .number(let units): return comparison.holds(units, bound) ? 0 : 1
            case .missing: return partValues[part].count > 2 ? 2 : nil
            case .category: return nil
            }
        }
    }

    /// The group of cells given by column (a full row, or the sensitive columns a sampler has seen);
    /// nil while a part's column is absent.
    public func group(cell: (Int) -> Cell?) -> Int? {
        var group = 0
        for (k, part) in parts.enumerated() {
            guard let value = cell(part.column), let index = index(ofPart: k, cell: value) else { return nil }
            group = group * partNames[k].count + index
        }
        return group
    }

    /// A row's group.
    public func group(of row: Row) -> Int? { group { row[$0] } }

    /// A row's group name ("(none)" for a cell no group holds, which a schema-valid row never has).
    public func name(of row: Row) -> String { group(of: row).map { names[$0] } ?? "(none)" }
}
