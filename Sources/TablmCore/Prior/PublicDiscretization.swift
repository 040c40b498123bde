import Foundation

/// Each column's cells for the marginal prior, from the public schema alone (never from rows, so the
/// domain itself reveals nothing): categories as listed, integers of a small range one cell per value,
/// an integer column that lists its values (`ColumnSchema.values`) one cell per listed value when they
/// are few enough, other numbers in bins over the declared range — log-spaced when the range starts at
/// 0 and spans three or more orders of magnitude (money amounts, counts), with 0 its own cell — and a
/// last cell for missing where the column allows it. A listed column's values are drawn from its list
/// only: a pseudo row must be a row the schema allows, or the tokenizer's field pieces (one token a
/// listed value) do not cover it and it outgrows the context sized from the schema.
public struct ColumnCells: Sendable, Equatable {
    public enum Layout: Sendable, Equatable {
        case categories([String])
        /// Bins of numbers in units (see `FixedPoint`): bin i holds [edges[i], edges[i+1]), the last
        /// one [edges.last, upper].
        case bins(edges: [Int64], upper: Int64, logarithmic: Bool)
    }

    public let layout: Layout
    public let allowsMissing: Bool
    /// The only values a number may take, ascending (the schema's list), or nil for any in range.
    public let listed: [Int64]?

    public init(layout: Layout, allowsMissing: Bool, listed: [Int64]? = nil) {
        self.layout = layout
        self.allowsMissing = allowsMissing
        self.listed = listed
    }

    /// Cells of the column, missing included.
    public var count: Int {
        switch layout {
        case .categories(let names): return names.count + (allowsMissing ? 1 : 0)
        case .bins(let edges, _, _): return edges.count + (allowsMissing ? 1 : 0)
        }
    }

    /// The missing cell (the last), when the column allows it.
    public var missingCell: Int? { allowsMissing ? count - 1 : nil }

    /// The cell of a value of the column. Rows are fitted to the schema before they get here, so every
    /// value has a cell; an out-of-range number goes to the nearest end.
    public func cell(of value: Cell) -> Int {
        switch (value, layout) {
        case (.missing, _):
            return missingCell ?? 0
        case (.category(let name), .categories(let names)):
            return names.firstIndex(of: name) ?? (missingCell ?? 0)
        case (.number(let units), .bins(let edges, _, _)):
            // The last edge ≤ units (the first cell for a number below them all).
            return max(Self.count(in: edges, atMost: units) - 1, 0)
        default:
            return missingCell ?? 0
        }
    }

    /// A value of cell `index`: the category, missing, or a number drawn uniformly among the column's
    /// values (at its precision, or its listed values) inside the bin; a bin that holds no listed value
    /// gives the listed value nearest to it.
    public func value<G: RandomNumberGenerator>(ofCell index: Int, using generator: inout G) -> Cell {
        if index == missingCell { return .missing }
        switch layout {
        case .categories(let names):
            return .category(names[index])
        case .bins(let edges, let upper, _):
            let low = edges[index], high = index + 1 < edges.count ? edges[index + 1] - 1 : upper
            guard let listed, !listed.isEmpty else {
                return .number(low == high ? low : Int64.random(in: low...high, using: &generator))
            }
            let first = Self.count(in: listed, atMost: low, strictly: true), end = Self.count(in: listed, atMost: high)
            if first < end { return .number(listed[Int.random(in: first..<end, using: &generator)]) }
            // Empty bin: the nearer of the listed neighbours.
            if first == 0 { return .number(listed[0]) }
            if first == listed.count { return .number(listed[first - 1]) }
            return .number(low - listed[first - 1] <= listed[first] - high ? listed[first - 1] : listed[first])
        }
    }

    /// How many of `sorted` are at most `value` (below it, when `strictly`): a binary search.
    private static func count(in sorted: [Int64], atMost value: Int64, strictly: Bool = false) -> Int {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value || (!strictly && sorted[middle] == value) { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// A cell's label for logs and reports.
    public func label(ofCell index: Int, decimals: Int) -> String {
        if index == missingCell { return "(missing)" }
        switch layout {
        case .categories(let names): return names[index]
        case .bins(let edges, let upper, _):
            let high = index + 1 < edges.count ? edges[index + 1] - 1 : upper
            let low = FixedPoint.format(units: edges[index], decimals: decimals)
            return edges[index] == high ? low : "\(low)…\(FixedPoint.format(units: high, decimals: decimals))"
        }
    }
}

/// The whole table's cells: one `ColumnCells` per schema column.
public struct PublicDiscretization: Sendable, Equatable {
    /// Numbers of a range with at most this many values get one cell per value.
    public static let defaultMaximumValueCells = 128
    /// Bins of other numeric columns.
    public static let defaultBins = 32
    /// Columns with more cells than this cannot be measured (a marginal would be mostly noise).
    public static let maximumColumnCells = 4096

    public let columns: [ColumnCells]
    public let names: [String]

    public var sizes: [Int] { columns.map(\.count) }

    public init(schema: Schema, maximumValueCells: Int = defaultMaximumValueCells, bins: Int = defaultBins) throws {
        precondition(maximumValueCells >= 1 && bins >= 2)
        names = schema.columnNames
        columns = try schema.columns.map { column in
            let cells: ColumnCells
            switch column.kind {
            case .categorical:
                guard let categories = column.categories, !categories.isEmpty else {
                    throw InputError("the marginal prior needs the categories of \(quoted: column.name) in the schema; it lists none")
                }
                cells = ColumnCells(layout: .categories(categories), allowsMissing: column.allowsMissing)
            case .integer, .real:
                guard column.min != nil, column.max != nil else {
                    throw InputError("the marginal prior needs the range of \(quoted: column.name) in the schema (min and max)")
                }
                let range = column.unitRange
                if let listed = column.values.map({ Array(Set($0)).sorted() }), !listed.isEmpty, column.kind == .integer {
                    // One cell per listed value (each cell's range holds that value alone), or bins
                    // drawing among the listed values they hold.
                    let layout = listed.count <= maximumValueCells
                        ? ColumnCells.Layout.bins(edges: listed, upper: listed.last!, logarithmic: false)
                        : Self.bins(range: range, maximumValueCells: maximumValueCells, bins: bins)
                    cells = ColumnCells(layout: layout, allowsMissing: column.allowsMissing, listed: listed)
                } else {
                    cells = ColumnCells(layout: Self.bins(range: range, maximumValueCells: maximumValueCells, bins: bins),
                                        allowsMissing: column.allowsMissing)
                }
            }
            guard cells.count <= Self.maximumColumnCells else {
                throw InputError("column \(quoted: column.name) has \(cells.count) cells in its public domain, more than the marginal prior can measure (\(Self.maximumColumnCells)); merge categories or use --prior none")
            }
            return cells
        }
    }

    /// Bin edges over [lower, upper] (units).
    static func bins(range: ClosedRange<Int64>, maximumValueCells: Int, bins: Int) -> ColumnCells.Layout {
        let lower = range.lowerBound, upper = range.upperBound
        let values = Double(upper) - Double(lower) + 1
        if values <= Double(maximumValueCells) {
            return .bins(edges: Array(lower...upper), upper: upper, logarithmic: false)
        }
        var edges: [Int64]
        let logarithmic = lower == 0 && Double(upper) >= 1000
        if logarithmic {
            // 0 alone, then bins - 1 geometric bins over [1, upper].
            edges = [0] + (0..<(bins - 1)).map { i in Int64(pow(Double(upper), Double(i) / Double(bins - 1)).rounded(.down)) }
        } else {
            edges = (0..<bins).map { i in lower + Int64((Double(i) / Double(bins) * values).rounded(.down)) }
        }
        // Strictly increasing: coarse geometric steps near 1 coincide.
        var unique: [Int64] = []
        for edge in edges where unique.last.map({ edge > $0 }) ?? true { unique.append(edge) }
        return .bins(edges: unique, upper: upper, logarithmic: logarithmic)
    }

    /// A row's cells.
    public func cells(of row: Row) -> [Int32] {
        zip(columns, row).map { Int32($0.cell(of: $1)) }
    }

    /// A row drawn inside the given cells.
    public func row<G: RandomNumberGenerator>(cells: UnsafeBufferPointer<Int32>, using generator: inout G) -> Row {
        zip(columns, cells).map { $0.value(ofCell: Int($1), using: &generator) }
    }
}
