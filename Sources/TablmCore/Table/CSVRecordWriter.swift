import Foundation

/// Writes a CSV file (header + records) atomically: nothing appears at the destination until
/// `commit()`, and an abandoned writer leaves the old file as it was.
///
/// Quoting follows RFC 4180: a field is quoted when it holds the separator, a quote, a line break, or
/// leading/trailing spaces (which some readers trim); quotes inside are doubled. Lines end in LF.
public final class CSVRecordWriter {
    private let file: AtomicFileWriter

    public init(path: String, header: [String]) throws {
        file = try AtomicFileWriter(path: path)
        try write(header)
    }

    public func write(_ fields: [String]) throws {
        var line = ""
        for (index, field) in fields.enumerated() {
            if index > 0 { line += "," }
            line += Self.quoted(field)
        }
        line += "\n"
        try file.write(line)
    }

    public func commit() throws { try file.commit() }

    /// `field` as a CSV field: quoted when it needs to be, or `always`.
    public static func quoted(_ field: String, always: Bool = false) -> String {
        let needsQuotes = always || field.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || field.first == " " || field.last == " "
        guard needsQuotes else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
