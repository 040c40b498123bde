/// What `generate` reports after a fairness mask: per group of the mask, how many rows were written
/// and how often each fair column took each value, counted as the rows are written, so that no row
/// is held for the report.
public struct WrittenRowsTally: Sendable {
    /// Rows written, in all.
    public private(set) var rows = 0
    /// Rows written per group of the mask (rows of no group are counted in `rows` only).
    public private(set) var groupRows: [Int]
    /// counts[c][g][v]: rows of group g whose mask column c took value v.
    public private(set) var counts: [[[Int]]]
    /// overall[c][v]: rows of any group or none whose mask column c took value v.
    public private(set) var overall: [[Int]]
    private let mask: FairnessMask

    public init(mask: FairnessMask) {
        self.mask = mask
        groupRows = Array(repeating: 0, count: mask.groups.count)
        counts = mask.columns.map { column in Array(repeating: Array(repeating: 0, count: column.values.count), count: mask.groups.count) }
        overall = mask.columns.map { Array(repeating: 0, count: $0.values.count) }
    }

    /// Counts one written row, `fields` being its text as written.
    public mutating func add(_ row: Row, fields: [String]) {
        rows += 1
        let group = mask.sensitiveGroups.group(of: row)
        if let group { groupRows[group] += 1 }
        for (c, column) in mask.columns.enumerated() {
            guard let v = column.values.firstIndex(of: fields[column.column]) else { continue }
            overall[c][v] += 1
            if let group { counts[c][group][v] += 1 }
        }
    }

    /// P(value | group) of mask column `c` in the written rows (0 for a group with no row).
    public func shares(column c: Int, group g: Int) -> [Double] {
        counts[c][g].map { Double($0) / Double(max(groupRows[g], 1)) }
    }

    /// P(value) of mask column `c` over all written rows.
    public func overallShares(column c: Int) -> [Double] {
        overall[c].map { Double($0) / Double(max(rows, 1)) }
    }
}
