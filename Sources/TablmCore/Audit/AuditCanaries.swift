/// Canary rows for a one-run audit: values drawn uniformly from each column's public domain (a
/// category of the list, a number of [min, max] at the schema's precision), so a canary is an
/// outlier the model can only score highly by having seen it, and each canary's inclusion is a
/// fair coin. Both come from the audit's own generator, never from the rows.
public struct AuditCanaries: Sendable {
    public var rows: [Row]
    public var included: [Bool]

    public init(schema: Schema, count: Int, generator: inout some RandomNumberGenerator) throws {
        var rows: [Row] = []
        rows.reserveCapacity(count)
        for _ in 0..<count {
            var row = Row()
            for column in schema.columns {
                switch column.kind {
                case .categorical:
                    guard let categories = column.categories, !categories.isEmpty else {
                        throw InputError("canaries are drawn from the schema: column \(quoted: column.name) lists no categories")
                    }
                    row.append(.category(categories.randomElement(using: &generator)!))
                case .integer, .real:
                    row.append(.number(Int64.random(in: column.unitRange, using: &generator)))
                }
            }
            rows.append(row)
        }
        self.rows = rows
        included = (0..<count).map { _ in Bool.random(using: &generator) }
    }

    public var includedRows: [Row] { zip(rows, included).filter(\.1).map(\.0) }
}
