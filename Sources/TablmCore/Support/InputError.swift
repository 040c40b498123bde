/// Where in a user's file something went wrong. Lines and columns are 1-based.
///
/// For a CSV file `column` is the field number and `columnName` the header's name for it;
/// for a text file (row text, templates, JSON) `column` is the character position in the line.
public struct SourceLocation: Equatable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var columnName: String?

    public init(file: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.columnName = columnName
    }

    /// `file:line:column` in the form compilers use, followed by the column's name when known.
    public var description: String {
        var text = file
        if let line { text += ":\(line)" }
        if let column { text += ":\(column)" }
        if let columnName { text += " (column '\(columnName)')" }
        return text
    }
}

/// A problem with the user's input: one line, naming the place at fault.
public struct InputError: Error, Equatable, Sendable, CustomStringConvertible {
    public var location: SourceLocation?
    public var message: String

    public init(_ message: String, at location: SourceLocation? = nil) {
        self.location = location
        self.message = message
    }

    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}

extension InputError {
    /// Longest stretch of a value an error message quotes.
    public static let quotedLength = 60

    /// A value from a file as an error message may show it: control characters escaped (a newline
    /// would split the one-line message) and cut to `quotedLength` characters.
    public static func quoted(_ value: String) -> String {
        var text = ""
        for (count, scalar) in value.unicodeScalars.enumerated() {
            if count == quotedLength { return text + "…" }
            switch scalar {
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: text += String(format: "\\u{%02X}", scalar.value)
            default: text.unicodeScalars.append(scalar)
            }
        }
        return text
    }
}
