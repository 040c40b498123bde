import Foundation

/// The rows of a training table, typed and checked against the schema, with the file's hash for the
/// training record.
public struct TableData: Sendable {
    public var rows: [Row]
    public var sha256: String

    /// - Parameter fitRows: fit rows to the schema instead of refusing them (see
    ///   `RowDecoder.fittedRow`). Private training does this for every schema: an error that quotes a
    ///   row's value would let that value out of the process outside the accounted mechanism.
    public static func read(path: String, schema: Schema, fitRows: Bool = false) throws -> TableData {
        let reader = try CSVRecordReader(path: path)
        let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
        var rows: [Row] = []
        try reader.forEachRecord { record in
            if fitRows || schema.source == .dp {
                if let row = try decoder.fittedRow(from: record, file: path) { rows.append(row) }
            } else {
                rows.append(try decoder.row(from: record, file: path))
            }
        }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw InputError("cannot read file", at: SourceLocation(file: path))
        }
        return TableData(rows: rows, sha256: SHA256.hex(bytes))
    }

    /// A seeded split into training and held-out rows (held-out: `fraction` of the rows, at least one
    /// when there are two or more rows and the fraction is positive).
    public func split(heldOutFraction fraction: Double, seed: UInt64) -> (train: [Row], heldOut: [Row]) {
        guard fraction > 0, rows.count >= 2 else { return (rows, []) }
        var generator = SplitMix64(seed: seed ^ 0x5EED_5917)
        let order = Array(rows.indices).shuffled(using: &generator)
        let heldOutCount = min(rows.count - 1, max(1, Int((Double(rows.count) * fraction).rounded())))
        return (order.dropFirst(heldOutCount).map { rows[$0] }, order.prefix(heldOutCount).map { rows[$0] })
    }
}
