/// Infers a schema from the rows of a CSV file in one streaming pass.
///
/// The rule for a column's kind:
/// - a column whose non-empty values are all canonical decimal numbers (`-12`, `3.50`; no leading
///   zeros, no `+`) is numeric: `integer` when none has a decimal point, else `real` with the largest
///   number of decimals seen as its precision;
/// - a numeric column with at most `maxCategoricalNumbers` distinct values is categorical anyway
///   (codes such as 1–4, flags 0/1: one token per value reads better than digits);
/// - every other column is categorical, with its distinct values (sorted) as the category list.
/// Empty fields are missing values and set `allows_missing`.
///
/// An integer column whose values repeat (at most `maxListedValues` distinct ones, and at least
/// `rowsPerListedValue` rows a value on average: capital gains, hours a week) lists them
/// (`ColumnSchema.values`), so generation writes only values the table holds; values that rarely
/// repeat (a sampling weight, an amount) are not copied into the schema. At 20 rows a value German
/// credit's durations were listed (665 rows, 33 values) and its rows taught a classifier 0.02 less
/// (docs/fidelity.md, "Listed values"); at 50 they are not, and every listed Adult column gained.
///
/// The result is marked `"source": "data"`: it reveals the file's categories and ranges.
public struct SchemaInference {
    public struct Options: Sendable {
        public var maxCategoricalNumbers = 10
        public var maxListedValues = 256
        public var rowsPerListedValue = 50
        /// A categorical column with more distinct values than this is refused: it is an identifier or
        /// free text, copying it into a schema (and so into every model) would leak it row by row.
        public var maxCategories = 10_000
        public var target: String?
        public var sensitive: [String] = []
        public var source: SchemaSource = .data
        public init() {}
    }

    public struct Result: Sendable {
        public var schema: Schema
        public var rowCount: Int
        /// Things worth telling the user that do not stop inference.
        public var warnings: [String]
    }

    /// Statistics of one column gathered while streaming.
    private struct ColumnStats {
        var distinct = Set<String>()
        var tooManyDistinct = false
        var numeric = true
        var decimals = 0
        var minimumValue = Double.infinity
        var maximumValue = -Double.infinity
        var missing = false
        var present = 0
    }

    /// A name or value a schema file cannot hold (a line break or control character), refused where it
    /// is read, before anything is inferred or released.
    static func refuseUnlistable(header: [String], file: String) throws {
        for (index, name) in header.enumerated() {
            if let bad = InputError.controlCharacter(in: name) {
                throw InputError("the column name contains \(bad), a line break or control character", at: SourceLocation(file: file, line: 1, column: index + 1))
            }
        }
    }

    static func refuseUnlistable(_ field: String, file: String, line: Int, column index: Int, header: [String]) throws {
        if let bad = InputError.controlCharacter(in: field) {
            throw InputError("the value contains \(bad), a line break or control character, which a schema cannot list",
                             at: SourceLocation(file: file, line: line, column: index + 1, columnName: header[index]))
        }
    }

    public static func infer(csvPath: String, options: Options = Options()) throws -> Result {
        let reader = try CSVRecordReader(path: csvPath)
        let header = reader.header
        guard header.count <= Schema.largestColumnCount else {
            throw InputError("the header has \(header.count) columns; tablm takes at most \(Schema.largestColumnCount)", at: SourceLocation(file: csvPath, line: 1))
        }
        for name in [options.target].compactMap({ $0 }) + options.sensitive where !header.contains(name) {
            throw InputError("no column named \(quoted: name) (columns: \(names: header))",
                             at: SourceLocation(file: csvPath, line: 1))
        }
        try refuseUnlistable(header: header, file: csvPath)
        var stats = [ColumnStats](repeating: ColumnStats(), count: header.count)
        var rows = 0
        try reader.forEachRecord { record in
            rows += 1
            for (index, field) in record.fields.enumerated() {
                try refuseUnlistable(field, file: csvPath, line: record.line, column: index, header: header)
                if field.isEmpty {
                    stats[index].missing = true
                    continue
                }
                stats[index].present += 1
                if stats[index].numeric {
                    if let decimals = FixedPoint.canonicalDecimals(of: field) {
                        stats[index].decimals = max(stats[index].decimals, decimals)
                        let value = Double(field)!
                        if value < stats[index].minimumValue { stats[index].minimumValue = value }
                        if value > stats[index].maximumValue { stats[index].maximumValue = value }
                    } else {
                        stats[index].numeric = false
                    }
                }
                if !stats[index].tooManyDistinct {
                    stats[index].distinct.insert(field)
                    if stats[index].distinct.count > options.maxCategories {
                        if !stats[index].numeric {
                            throw InputError(
                                "more than \(options.maxCategories) distinct text values: an identifier or free text cannot be a categorical column; drop it from the table",
                                at: SourceLocation(file: csvPath, line: record.line, column: index + 1,
                                                   columnName: header[index]))
                        }
                        stats[index].tooManyDistinct = true
                        stats[index].distinct = []
                    }
                }
            }
        }

        var columns: [ColumnSchema] = []
        var warnings: [String] = []
        for (index, name) in header.enumerated() {
            let column = stats[index]
            if column.distinct.isEmpty && !column.tooManyDistinct {
                throw InputError("column has no values at all (every field is empty)",
                                 at: SourceLocation(file: csvPath, column: index + 1, columnName: name))
            }
            let fewValues = !column.tooManyDistinct && column.distinct.count <= options.maxCategoricalNumbers
            if column.numeric && !fewValues {
                if column.decimals == 0 {
                    let repeats = !column.tooManyDistinct && column.distinct.count <= options.maxListedValues
                        && column.present >= options.rowsPerListedValue * column.distinct.count
                    let values = repeats ? column.distinct.compactMap { Int64($0) }.sorted() : []
                    columns.append(ColumnSchema(name: name, kind: .integer, min: column.minimumValue,
                                                max: column.maximumValue, precision: 0, allowsMissing: column.missing,
                                                values: repeats && values.count == column.distinct.count ? values : nil))
                } else {
                    columns.append(.real(name, min: column.minimumValue, max: column.maximumValue,
                                         precision: column.decimals, allowsMissing: column.missing))
                }
            } else {
                let categories = column.numeric
                    ? column.distinct.sorted { Double($0)! < Double($1)! }
                    : column.distinct.sorted()
                if categories.count > 1000 {
                    warnings.append("column \(quoted: name) has \(categories.count) categories; they are copied into the schema verbatim")
                }
                columns.append(.categorical(name, categories, allowsMissing: column.missing))
            }
        }
        let schema = Schema(columns: columns, source: options.source, target: options.target,
                            sensitive: options.sensitive)
        try SchemaFile.validate(schema, text: nil, path: csvPath)
        return Result(schema: schema, rowCount: rows, warnings: warnings)
    }
}
