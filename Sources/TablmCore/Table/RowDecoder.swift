/// Turns CSV records into typed rows checked against a schema, and rows back into CSV fields.
///
/// Reading is lenient about number spelling (`+5`, `007`, `24.0`, a real's extra decimals rounded to
/// the schema's precision) and strict about meaning: a category outside the list, a number outside
/// [min, max], a fraction in an integer column, or a missing value where the schema allows none is an
/// error naming the file, line and column.
public struct RowDecoder {
    public let schema: Schema
    /// For each schema column, the CSV field it comes from.
    public let fieldIndex: [Int]
    /// CSV columns that are not in the schema (ignored).
    public let ignoredColumns: [String]
    /// Per categorical column, each category to the schema's own string: rows hold that one shared
    /// copy, not a fresh one per cell (a million rows of Adult hold about 1.5 M heap strings less).
    private let categoryLookup: [[String: String]?]

    public init(schema: Schema, header: [String], file: String) throws {
        self.schema = schema
        var indexOf: [String: Int] = [:]
        for (index, name) in header.enumerated() { indexOf[name] = index }
        var fieldIndex: [Int] = []
        for column in schema.columns {
            guard let index = indexOf[column.name] else {
                throw InputError("the schema's column \(quoted: column.name) is not in the header (columns: \(names: header))",
                                 at: SourceLocation(file: file, line: 1))
            }
            fieldIndex.append(index)
        }
        self.fieldIndex = fieldIndex
        let known = Set(schema.columnNames)
        ignoredColumns = header.filter { !known.contains($0) }
        categoryLookup = schema.columns.map { $0.categories.map { Dictionary($0.map { ($0, $0) }, uniquingKeysWith: { first, _ in first }) } }
    }

    /// For a schema estimated under DP (`"source": "dp"`), and for any schema in private training, rows
    /// are fitted rather than refused, without a message that would quote their values: numbers
    /// are clamped into the estimated range, a category that was not selected becomes missing, and a
    /// row with a missing number where the schema allows none is left out (nil). Each row maps to at
    /// most one row, so the privacy analysis of training is unchanged; no count of such rows is reported.
    public func fittedRow(from record: CSVRecord, file: String) throws -> Row? {
        var row = Row()
        row.reserveCapacity(schema.columns.count)
        for (columnIndex, column) in schema.columns.enumerated() {
            let field = record.fields[fieldIndex[columnIndex]]
            if column.kind == .categorical {
                if !field.isEmpty, let category = categoryLookup[columnIndex]![field] {
                    row.append(.category(category))
                } else {
                    guard column.allowsMissing else { return nil }
                    row.append(.missing)
                }
            } else if case .success(let units) = FixedPoint.parse(field, decimals: column.decimals, canonical: false) {
                row.append(.number(min(max(units, column.unitRange.lowerBound), column.unitRange.upperBound)))
            } else {
                guard column.allowsMissing else { return nil }
                row.append(.missing)
            }
        }
        return row
    }

    public func row(from record: CSVRecord, file: String) throws -> Row {
        var row = Row()
        row.reserveCapacity(schema.columns.count)
        for (columnIndex, column) in schema.columns.enumerated() {
            let field = record.fields[fieldIndex[columnIndex]]
            func fail(_ message: String) -> InputError {
                InputError(message, at: SourceLocation(file: file, line: record.line,
                                                       column: fieldIndex[columnIndex] + 1, columnName: column.name))
            }
            if field.isEmpty {
                guard column.allowsMissing else { throw fail("missing value, but the schema does not allow missing values here") }
                row.append(.missing)
                continue
            }
            switch column.kind {
            case .categorical:
                guard let category = categoryLookup[columnIndex]![field] else {
                    throw fail("\(quoted: field) is not one of the schema's categories")
                }
                row.append(.category(category))
            case .integer, .real:
                switch FixedPoint.parse(field, decimals: column.decimals, canonical: false) {
                case .success(let units):
                    // Rounding a real's extra decimals keeps its meaning; rounding 23.5 in an integer
                    // column would change the value without a word.
                    guard column.kind == .real || !FixedPoint.hasFraction(field) else {
                        throw fail("\(quoted: field) is not a whole number (column kind integer)")
                    }
                    guard column.unitRange.contains(units) else {
                        throw fail("\(field) is outside the schema's range [\(RowValueText.bound(column.min!, column)), \(RowValueText.bound(column.max!, column))]")
                    }
                    row.append(.number(units))
                case .failure:
                    throw fail("\(quoted: field) is not a number (column kind \(column.kind.rawValue))")
                }
            }
        }
        return row
    }

    /// CSV fields of a row in the schema's column order; a missing value is an empty field.
    public static func fields(of row: Row, schema: Schema) -> [String] {
        zip(row, schema.columns).map { cell, column in
            switch cell {
            case .missing: return ""
            case .category(let value): return value
            case .number(let units): return FixedPoint.format(units: units, decimals: column.decimals)
            }
        }
    }
}

enum RowValueText {
    static func bound(_ value: Double, _ column: ColumnSchema) -> String {
        FixedPoint.format(units: FixedPoint.units(of: value, decimals: column.decimals), decimals: column.decimals)
    }
}
