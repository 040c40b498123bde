import Foundation

/// The rows of a training table, typed and checked against the schema, with the file's hash for the
/// training record.
public struct TableData: Sendable {
    public var rows: [Row]
    public var sha256: String

    /// Records the file held, whether kept or not (`ReadPolicy.skip` leaves some out).
    public var records = 0

    /// What to do with a record that does not fit the schema.
    public enum ReadPolicy: Sendable {
        /// Refuse it, naming the file, line and column.
        case strict
        /// Fit it to the schema (`RowDecoder.fittedRow`): private training does this for every
        /// schema, since an error that quotes a row's value would let that value out of the process
        /// outside the accounted mechanism.
        case fit
        /// Leave it out (evaluation, which reports how many were left out).
        case skip
    }

    /// The one reader of tables as rows. A schema estimated under DP is always read with `.fit`.
    public static func read(path: String, schema: Schema, policy: ReadPolicy) throws -> TableData {
        // A FIFO can be read once: its bytes are held for the records and the hash. A file is
        // streamed, then hashed in a second streamed read: memory holds one record and one block.
        let streamed = try InputFile.check(path, stream: true) == nil
            ? try InputFile.streamContents(path, what: "a table", limit: InputFile.streamedTableLimit) : nil
        let reader = try streamed.map { try CSVRecordReader(path: path, bytes: $0) } ?? CSVRecordReader(path: path)
        let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
        // `.fit` asked for is a private run's reading (a DP-estimated schema's is not).
        let privately = policy == .fit
        let policy = schema.source == .dp && policy == .strict ? .fit : policy
        var rows: [Row] = [], records = 0
        do {
            try reader.forEachRecord { record in
                records += 1
                switch policy {
                case .strict: rows.append(try decoder.row(from: record, file: path))
                case .fit: if let row = try decoder.fittedRow(from: record, file: path) { rows.append(row) }
                case .skip: if let row = try? decoder.row(from: record, file: path) { rows.append(row) }
                }
            }
        } catch let error as InputError where privately && (error.location?.line ?? 1) > 1 {
            // A record CSV cannot read stops private training too, but where it stands (the last
            // row's line is the row count) and what it holds (its field count, the line breaks an
            // open quote runs over) stay in the process, as a value it holds would.
            guard !(records == 0 && error.message == CSVRecordReader.noRows) else { throw InputError(error.message, at: SourceLocation(file: path)) }
            throw InputError("a record cannot be read as CSV (too many or too few fields, a quote never closed, or invalid UTF-8); which and where are not "
                             + "shown under DP, since a row's line tells how many come before it (tablm serialize --schema SCHEMA \(path) > /dev/null names it)",
                             at: SourceLocation(file: path))
        }
        let sha256 = try streamed.map { SHA256.hex($0) } ?? SHA256.hex(fileAt: path)
        return TableData(rows: rows, sha256: sha256, records: records)
    }

    /// `read` with `.fit` when `fitRows`, else `.strict`.
    public static func read(path: String, schema: Schema, fitRows: Bool = false) throws -> TableData {
        try read(path: path, schema: schema, policy: fitRows ? .fit : .strict)
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
