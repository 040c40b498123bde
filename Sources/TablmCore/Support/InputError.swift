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
        if let columnName { text += " (column \(quoted: columnName))" }
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

    /// The message on one line, whatever a caller interpolated into it: the last guard against a
    /// value that reached it unquoted (a newline would split the error in two, a megabyte field
    /// would flood stderr).
    public var description: String {
        let text = location.map { "\($0): \(message)" } ?? message
        return InputError.oneLine(text)
    }
}

extension InputError {
    /// Longest stretch of a value an error message quotes.
    public static let quotedLength = 60

    /// A value from a file as an error message may show it: control characters escaped (a newline
    /// would split the one-line message) and cut to `quotedLength` characters.
    public static func quoted(_ value: String) -> String { escaped(value, limit: quotedLength) }

    /// `text` with control characters escaped (`\n`, `\u{00}`), cut after `limit` of its characters.
    static func escaped(_ text: String, limit: Int) -> String {
        var result = ""
        for (count, scalar) in text.unicodeScalars.enumerated() {
            if count == limit { return result + "…" }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F: result += String(format: "\\u{%02X}", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    /// Longest error line `description` lets through.
    public static let lineLength = 1_000
    /// Names a message lists before "… (N in all)".
    public static let listedNames = 12

    /// Control characters escaped as `quoted` does, and the text cut to `lineLength` characters.
    static func oneLine(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) || text.unicodeScalars.count > lineLength else { return text }
        return escaped(text, limit: lineLength)
    }

    /// The first line break or control character of a name or category, as `U+0000`: such a value
    /// would break the row text, a CSV line or an error message, so schemas refuse it.
    public static func controlCharacter(in value: String) -> String? {
        value.unicodeScalars.first(where: { $0.properties.generalCategory == .control || Character($0).isNewline }).map(codePoint)
    }

    /// A character as Unicode writes it, `U+0000` (at least four hex digits).
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}

extension DefaultStringInterpolation {
    /// `'value'` for a value that came from a user's file or command line: escaped and cut as
    /// `InputError.quoted` does, so one bad field cannot split or flood the one-line error.
    public mutating func appendInterpolation(quoted value: some CustomStringConvertible) {
        appendLiteral("'" + InputError.quoted(value.description) + "'")
    }

    /// A list of names (a header, a schema's columns), each escaped and cut, at most
    /// `InputError.listedNames` of them: a 10,000-column header is named by its first few.
    public mutating func appendInterpolation(names: [String]) {
        var shown = names.prefix(InputError.listedNames).map(InputError.quoted).joined(separator: ", ")
        if names.count > InputError.listedNames { shown += ", … (\(names.count) in all)" }
        appendLiteral(shown)
    }
}
