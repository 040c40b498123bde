/// One cell of a typed row.
public enum Cell: Hashable, Sendable {
    case missing
    case category(String)
    /// A number in units of 10^-decimals of its column (see `FixedPoint`).
    case number(Int64)
}

/// A row as typed cells, in the order of the schema's columns.
public typealias Row = [Cell]
