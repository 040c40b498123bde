/// Why a line of row text does not fit the schema, and where (1-based character position).
public struct RowTextError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public var position: Int
    public init(reason: String, position: Int) {
        self.reason = reason
        self.position = position
    }
    public var description: String { "at character \(position): \(reason)" }
}

/// Turns typed rows into row text (`age is 39, workclass is State-gov, ...`) and back.
///
/// Writing can permute the columns per row (seeded), which is how training text is made: the model
/// then learns every conditional, not one column order. Reading accepts any column order and needs
/// every column exactly once; values are checked against the schema (category list, range,
/// precision, missing allowed), so a parsed row is always valid.
public struct RowSerializer: Sendable {
    public let schema: Schema
    public let template: RowTemplate

    private let nameBytes: [[UInt8]]
    private let infixBytes: [UInt8]
    private let prefixBytes: [UInt8]
    /// `suffix + separator + prefix`: what stands between one value and the next column name.
    private let betweenBytes: [UInt8]
    private let suffixBytes: [UInt8]
    private let missingBytes: [UInt8]
    private let categoryByText: [[[UInt8]: String]?]

    public init(schema: Schema, template: RowTemplate = .standard) {
        self.schema = schema
        self.template = template
        nameBytes = schema.columns.map { Array($0.name.utf8) }
        infixBytes = Array(template.infix.utf8)
        prefixBytes = Array(template.prefix.utf8)
        betweenBytes = Array((template.suffix + template.separator + template.prefix).utf8)
        suffixBytes = Array(template.suffix.utf8)
        missingBytes = Array(template.missing.utf8)
        categoryByText = schema.columns.map { column in
            column.categories.map { categories in
                Dictionary(uniqueKeysWithValues: categories.map { (Array($0.utf8), $0) })
            }
        }
    }

    /// The text of one value of column `index`.
    public func valueText(_ cell: Cell, column index: Int) -> String {
        switch cell {
        case .missing: return template.missing
        case .category(let value): return value
        case .number(let units): return FixedPoint.format(units: units, decimals: schema.columns[index].decimals)
        }
    }

    /// Row text with the columns in `order` (indices into the schema), the schema's order by default.
    public func text(for row: Row, order: [Int]? = nil) -> String {
        precondition(row.count == schema.columns.count, "row has \(row.count) cells, schema \(schema.columns.count) columns")
        var text = ""
        for (position, column) in (order ?? Array(schema.columns.indices)).enumerated() {
            if position > 0 { text += template.separator }
            text += template.prefix + schema.columns[column].name + template.infix
                + valueText(row[column], column: column) + template.suffix
        }
        return text
    }

    /// Where column `column`'s value lies in `text(for: row, order: order)`, as UTF-8 offsets.
    public func valueRange(of column: Int, in row: Row, order: [Int]? = nil) -> Range<Int> {
        var offset = 0
        for (position, index) in (order ?? Array(schema.columns.indices)).enumerated() {
            if position > 0 { offset += template.separator.utf8.count }
            offset += (template.prefix + schema.columns[index].name + template.infix).utf8.count
            let length = valueText(row[index], column: index).utf8.count
            if index == column { return offset..<offset + length }
            offset += length + template.suffix.utf8.count
        }
        preconditionFailure("column \(column) is not in the order")
    }

    /// A uniformly random column order for row number `rowIndex`, reproducible from `seed` alone
    /// (independent of which other rows are processed, or in which order).
    public func columnOrder(seed: UInt64, rowIndex: Int) -> [Int] {
        var generator = SplitMix64(seed: seed, stream: UInt64(rowIndex))
        return Array(schema.columns.indices).shuffled(using: &generator)
    }

    /// Parses one line of row text into a row, or says why it does not fit the schema.
    public func parse(_ text: String) throws(RowTextError) -> Row {
        let bytes = Array(text.utf8)
        func fail(_ reason: String, at offset: Int) -> RowTextError {
            let position = String(decoding: bytes[..<min(offset, bytes.count)], as: UTF8.self).count + 1
            return RowTextError(reason: reason, position: position)
        }
        var cells = [Cell?](repeating: nil, count: schema.columns.count)
        var remaining = schema.columns.count
        var position = 0
        guard bytes.starts(with: prefixBytes) else { throw fail("expected \(quoted: template.prefix)", at: 0) }
        position = prefixBytes.count

        while true {
            // Column name: the longest not-yet-seen name followed by the infix.
            var column: Int?
            for (index, name) in nameBytes.enumerated() where cells[index] == nil {
                if matches(bytes, at: position, name), matches(bytes, at: position + name.count, infixBytes),
                   column.map({ nameBytes[$0].count < name.count }) ?? true {
                    column = index
                }
            }
            guard let column else {
                let seenName = nameBytes.indices.first { cells[$0] != nil && matches(bytes, at: position, nameBytes[$0] + infixBytes) }
                if let seenName { throw fail("column \(quoted: schema.columns[seenName].name) appears twice", at: position) }
                throw fail("expected a column name followed by \(quoted: template.infix)", at: position)
            }
            let valueStart = position + nameBytes[column].count + infixBytes.count
            remaining -= 1

            // Value: the first end at which the value is valid for the column. An end is either the end
            // of the text (last field) or a boundary followed by another unseen column's name.
            var firstProblem: (reason: String, offset: Int)?
            var accepted: (cell: Cell, next: Int)?
            var repeated: (name: String, offset: Int)?
            var end = valueStart
            while end <= bytes.count && accepted == nil {
                defer { end += 1 }
                let atTextEnd = end + suffixBytes.count == bytes.count && matches(bytes, at: end, suffixBytes)
                let atBoundary = remaining > 0 && matches(bytes, at: end, betweenBytes)
                    && nameBytes.indices.contains { other in
                        other != column && cells[other] == nil
                            && matches(bytes, at: end + betweenBytes.count, nameBytes[other] + infixBytes)
                    }
                // A valid value followed by a column already written means that column repeats.
                if !atTextEnd && !atBoundary && repeated == nil && matches(bytes, at: end, betweenBytes),
                   let again = nameBytes.indices.first(where: { ($0 == column || cells[$0] != nil)
                       && matches(bytes, at: end + betweenBytes.count, nameBytes[$0] + infixBytes) }),
                   case .success = decode(Array(bytes[valueStart..<end]), column: column) {
                    repeated = (schema.columns[again].name, end + betweenBytes.count)
                }
                guard atTextEnd || atBoundary else { continue }
                switch decode(Array(bytes[valueStart..<end]), column: column) {
                case .success(let cell):
                    accepted = (cell, atBoundary ? end + betweenBytes.count : bytes.count)
                case .failure(let problem):
                    if firstProblem == nil { firstProblem = (problem.reason, valueStart) }
                }
            }
            guard let accepted else {
                if let repeated { throw fail("column \(quoted: repeated.name) appears twice", at: repeated.offset) }
                if let firstProblem { throw fail(firstProblem.reason, at: firstProblem.offset) }
                throw fail("value of \(quoted: schema.columns[column].name) runs to the end without a separator", at: valueStart)
            }
            cells[column] = accepted.cell
            position = accepted.next
            if position == bytes.count {
                guard remaining == 0 else {
                    let absent = schema.columns.indices.filter { cells[$0] == nil }.map { schema.columns[$0].name }
                    throw fail("row ends without column\(absent.count == 1 ? "" : "s") \(absent.joined(separator: ", "))", at: position)
                }
                return cells.map { $0! }
            }
        }
    }

    /// The cell one value's text stands for in column `index`, nil when it is not one of its values.
    public func cell(valueText text: String, column index: Int) -> Cell? {
        try? decode(Array(text.utf8), column: index).get()
    }

    private struct ValueProblem: Error { var reason: String }

    private func decode(_ value: [UInt8], column index: Int) -> Result<Cell, ValueProblem> {
        let column = schema.columns[index]
        let text = String(decoding: value, as: UTF8.self)
        if value == missingBytes {
            return column.allowsMissing ? .success(.missing)
                : .failure(ValueProblem(reason: "column \(quoted: column.name) cannot be missing"))
        }
        switch column.kind {
        case .categorical:
            guard let category = categoryByText[index]![value] else {
                return .failure(ValueProblem(reason: "\(quoted: text) is not a category of \(quoted: column.name)"))
            }
            return .success(.category(category))
        case .integer, .real:
            switch FixedPoint.parse(utf8: value, decimals: column.decimals, canonical: true) {
            case .success(let units):
                guard column.unitRange.contains(units) else {
                    return .failure(ValueProblem(reason: "\(text) is outside the range of \(quoted: column.name) [\(RowValueText.bound(column.min!, column)), \(RowValueText.bound(column.max!, column))]"))
                }
                return .success(.number(units))
            case .failure(.tooManyDecimals(let found)):
                return .failure(ValueProblem(reason: "\(text) has \(found) decimals, \(quoted: column.name) keeps \(column.decimals)"))
            case .failure:
                return .failure(ValueProblem(reason: "\(quoted: text) is not a number as \(quoted: column.name) spells them"))
            }
        }
    }

    @inline(__always)
    private func matches(_ bytes: [UInt8], at offset: Int, _ pattern: [UInt8]) -> Bool {
        guard offset + pattern.count <= bytes.count else { return false }
        for index in pattern.indices where bytes[offset + index] != pattern[index] { return false }
        return true
    }
}

extension RowSerializer {
    /// The serializer of a schema file and a template file (nil: the built-in template), the
    /// template checked against the schema.
    public static func load(schema schemaPath: String, template templatePath: String?) throws -> RowSerializer {
        let schema = try SchemaFile.load(path: schemaPath)
        let template = try templatePath.map(RowTemplate.load(path:)) ?? .standard
        try template.validate(against: schema, file: templatePath ?? schemaPath)
        return RowSerializer(schema: schema, template: template)
    }
}
