import CSV
import Foundation

/// One data record of a CSV file, with the line it starts on (for error messages).
public struct CSVRecord: Sendable {
    public var fields: [String]
    /// 1-based line of the file where the record starts (the header is line 1).
    public var line: Int
}

/// Streams the records of a CSV file with a header row, one record at a time.
///
/// Parsing (quotes, embedded separators and line breaks, CRLF, UTF-8 BOM) is yaslab/CSV.swift's;
/// this type adds what a user needs when the file is wrong: the line and field at fault, a check of
/// every record's field count against the header, and a clear error for invalid UTF-8. Memory stays
/// bounded by one record, so a file larger than memory can be read.
public final class CSVRecordReader {
    public let path: String
    public let header: [String]
    private let reader: CSVReader
    private var nextLine: Int
    private var recordCount = 0

    /// The refusal of a table with a header and no record.
    static let noRows = "the table has a header but no rows"

    public convenience init(path: String) throws {
        try InputFile.check(path, stream: true)
        guard let stream = InputStream(fileAtPath: path) else {
            throw InputError("cannot open file", at: SourceLocation(file: path))
        }
        try self.init(path: path, stream: stream)
    }

    /// Reads records from `bytes`, the contents of `path` already read (a FIFO, read once).
    public convenience init(path: String, bytes: Data) throws {
        try self.init(path: path, stream: InputStream(data: bytes))
    }

    private init(path: String, stream: InputStream) throws {
        self.path = path
        do {
            reader = try CSVReader(stream: stream, hasHeaderRow: false)
        } catch {
            throw InputError("cannot read file", at: SourceLocation(file: path))
        }
        nextLine = 1
        guard let first = reader.next() else {
            if Self.isFailure(reader.error) {
                throw InputError("invalid UTF-8 in the header", at: SourceLocation(file: path, line: 1))
            }
            throw InputError("the file is empty: expected a header row naming the columns",
                             at: SourceLocation(file: path, line: 1))
        }
        if Self.isFailure(reader.error) {
            throw InputError("invalid UTF-8 in the header",
                             at: SourceLocation(file: path, line: 1, column: first.count))
        }
        header = first
        nextLine += 1 + Self.lineBreaks(in: first)
        try Self.validateHeader(first, path: path)
    }

    private static func validateHeader(_ header: [String], path: String) throws {
        if header.count == 1 && header[0].isEmpty {
            throw InputError("the header row is empty: expected column names", at: SourceLocation(file: path, line: 1))
        }
        // A one-column header holding another common separator is a file written with it (a
        // European spreadsheet's ';', a TSV), which would otherwise read as one column of text.
        if header.count == 1, let separator = [";", "\t", "|"].first(where: { header[0].contains($0) }) {
            let name = separator == "\t" ? "tab" : "'\(separator)'"
            throw InputError("the header is one column holding \(name): this file looks \(name)-separated; tablm reads comma-separated CSV (RFC 4180), so convert it first (e.g. pandas: pd.read_csv(path, sep=\(separator == "\t" ? "'\\t'" : name)).to_csv(out, index=False))",
                             at: SourceLocation(file: path, line: 1))
        }
        var firstSeen: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            let location = SourceLocation(file: path, line: 1, column: index + 1)
            if name.trimmingCharacters(in: .whitespaces).isEmpty {
                throw InputError("column \(index + 1) of the header has no name", at: location)
            }
            if let earlier = firstSeen[name] {
                throw InputError("duplicate column name \(quoted: name) (also column \(earlier + 1))", at: location)
            }
            firstSeen[name] = index
        }
    }

    /// The next record, or nil at the end of the file. Blank lines are skipped when the table has
    /// more than one column (in a one-column table a blank line is a missing value).
    public func next() throws -> CSVRecord? {
        while true {
            let line = nextLine
            guard let fields = reader.next() else {
                if failed {
                    throw InputError("invalid UTF-8", at: SourceLocation(file: path, line: line))
                }
                return nil
            }
            let breaks = Self.lineBreaks(in: fields)
            nextLine += 1 + breaks
            if failed {
                let field = fields.count
                throw InputError("invalid UTF-8", at: SourceLocation(
                    file: path, line: nextLine - 1, column: field,
                    columnName: field <= header.count ? header[field - 1] : nil))
            }
            if fields.count == 1 && fields[0].isEmpty && header.count > 1 { continue }
            guard fields.count == header.count else {
                let column = min(fields.count, header.count) + (fields.count > header.count ? 1 : 0)
                // A quote opened and never closed swallows the lines after it into one field: name
                // the quote, not the field count it leads to.
                let unclosed = breaks > 0 && fields.count < header.count
                    ? "; a quoted field opened here runs over \(breaks) line break\(breaks == 1 ? "" : "s") (a quote never closed?)" : ""
                throw InputError(
                    "row has \(fields.count) field\(fields.count == 1 ? "" : "s"), the header has \(header.count)\(unclosed)",
                    at: SourceLocation(file: path, line: line, column: column))
            }
            recordCount += 1
            return CSVRecord(fields: fields, line: line)
        }
    }

    /// Calls `body` for every record; throws if the file has a header but no records.
    public func forEachRecord(_ body: (CSVRecord) throws -> Void) throws {
        while let record = try next() { try body(record) }
        if recordCount == 0 {
            throw InputError(Self.noRows, at: SourceLocation(file: path, line: 2))
        }
    }

    /// Whether CSV.swift hit bytes that are not UTF-8 (or a read error). Its `cannotReadFile` is how the
    /// end of a file shows on Linux, where a file stream reports bytes available until a read returns 0.
    private var failed: Bool { Self.isFailure(reader.error) }

    private static func isFailure(_ error: Error?) -> Bool {
        switch error {
        case nil, CSVError.cannotReadFile?: return false
        default: return true
        }
    }

    /// Line breaks inside quoted fields: each moves the next record one more line down.
    private static func lineBreaks(in fields: [String]) -> Int {
        var count = 0
        for field in fields {
            var previousWasCR = false
            for scalar in field.unicodeScalars {
                if scalar == "\n" {
                    if !previousWasCR { count += 1 }
                } else if scalar == "\r" {
                    count += 1
                }
                previousWasCR = scalar == "\r"
            }
        }
        return count
    }
}
