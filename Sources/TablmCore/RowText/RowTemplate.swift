import Foundation

/// How a row is spelled as text: each field is `prefix + column + infix + value + suffix`, fields are
/// joined by `separator`, and a missing value is spelled `missing`.
///
/// The default (`age is 39, workclass is State-gov, ...`) follows the GReaT serialization
/// (Borisov et al. 2023, "Language Models are Realistic Tabular Data Generators"). Users edit it in
/// `Prompts/row-template.txt`.
public struct RowTemplate: Equatable, Sendable {
    public var prefix: String
    public var infix: String
    public var suffix: String
    public var separator: String
    public var missing: String

    public static let standard = RowTemplate(prefix: "", infix: " is ", suffix: "", separator: ", ", missing: "missing")

    public init(prefix: String, infix: String, suffix: String, separator: String, missing: String) {
        self.prefix = prefix
        self.infix = infix
        self.suffix = suffix
        self.separator = separator
        self.missing = missing
    }

    /// The field pattern as written in the template file: `{column} is {value}`.
    public var fieldPattern: String { prefix + "{column}" + infix + "{value}" + suffix }

    /// The file text that describes this template.
    public var fileText: String {
        """
        # How tablm writes one table row as text for the language model.
        # {column} and {value} stand for a column's name and its value. The separator goes between fields;
        # `missing` is how a missing value (an empty CSV field) is spelled. Values are in double quotes;
        # write \\" for a quote and \\\\ for a backslash. Lines starting with # are comments.
        field = \(Self.quote(fieldPattern))
        separator = \(Self.quote(separator))
        missing = \(Self.quote(missing))

        """
    }

    public static func load(path: String) throws -> RowTemplate {
        let data = try InputFile.contents(path, what: "a row template", limit: InputFile.smallFileLimit)
        guard let text = String(data: data, encoding: .utf8) else {
            throw InputError("invalid UTF-8", at: SourceLocation(file: path))
        }
        return try parse(text, file: path)
    }

    /// Parses the template file format (see `fileText`).
    public static func parse(_ text: String, file: String) throws -> RowTemplate {
        var values: [String: (value: String, line: Int)] = [:]
        for (lineIndex, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let lineNumber = lineIndex + 1
            let line = rawLine.hasSuffix("\r") ? rawLine.dropLast() : rawLine
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw InputError("expected `key = \"value\"`", at: SourceLocation(file: file, line: lineNumber, column: 1))
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            guard ["field", "separator", "missing"].contains(key) else {
                throw InputError("unknown key \(quoted: key) (expected field, separator, missing)",
                                 at: SourceLocation(file: file, line: lineNumber, column: 1))
            }
            guard values[key] == nil else {
                throw InputError("\(quoted: key) is set twice", at: SourceLocation(file: file, line: lineNumber, column: 1))
            }
            let valueStart = line.index(after: equals)
            let valueColumn = line.distance(from: line.startIndex, to: valueStart) + 1
            let value = try unquote(line[valueStart...], file: file, line: lineNumber, column: valueColumn)
            values[key] = (value, lineNumber)
        }
        for key in ["field", "separator", "missing"] where values[key] == nil {
            throw InputError("\(quoted: key) is not set", at: SourceLocation(file: file))
        }
        let field = values["field"]!
        let fieldLocation = SourceLocation(file: file, line: field.line)
        guard let column = field.value.range(of: "{column}"), let value = field.value.range(of: "{value}"),
              column.upperBound <= value.lowerBound,
              field.value.components(separatedBy: "{column}").count == 2,
              field.value.components(separatedBy: "{value}").count == 2
        else {
            throw InputError("field must contain {column} once, then {value} once", at: fieldLocation)
        }
        let template = RowTemplate(
            prefix: String(field.value[..<column.lowerBound]),
            infix: String(field.value[column.upperBound..<value.lowerBound]),
            suffix: String(field.value[value.upperBound...]),
            separator: values["separator"]!.value,
            missing: values["missing"]!.value)
        try template.validate(file: file)
        return template
    }

    /// Rules that keep the text parseable: something between a name and its value, something between
    /// fields, a non-empty missing spelling, and no line breaks (one row is one line).
    public func validate(file: String) throws {
        if infix.isEmpty { throw InputError("field needs text between {column} and {value}", at: SourceLocation(file: file)) }
        if separator.isEmpty { throw InputError("separator must not be empty", at: SourceLocation(file: file)) }
        if missing.isEmpty { throw InputError("missing must not be empty", at: SourceLocation(file: file)) }
        for part in [prefix, infix, suffix, separator, missing] where part.contains(where: \.isNewline) {
            throw InputError("the template must not contain line breaks", at: SourceLocation(file: file))
        }
        // Long separators make the tokenizer's training quadratic and crashed SentencePiece at 128k characters.
        for part in [prefix, infix, suffix, separator, missing] where part.count > Self.longestPart {
            throw InputError("the template's parts must be at most \(Self.longestPart) characters (one has \(part.count))", at: SourceLocation(file: file))
        }
        if missing.contains(separator) || missing.contains(infix) {
            throw InputError("the missing spelling must not contain the separator or the field text; rows could not be read back", at: SourceLocation(file: file))
        }
    }

    /// Longest prefix, field text, suffix, separator or missing spelling, in characters.
    public static let longestPart = 64

    /// Checks that every row of `schema` reads back as itself. A value may hold the separator
    /// ("Self-emp, inc"): the parser ends a value only where the separator is followed by another
    /// column's name and the field text. So a category holding separator + name + field text is refused
    /// (rows (a = "x, b is y", b = w) and (a = x, b = "y, b is w") would be one line), and so is a name
    /// holding the field text or the separator (the longest name wins, so "a is b" could be read as
    /// "a" with a value starting "b is"). Every value must also differ from the missing spelling.
    public func validate(against schema: Schema, file: String) throws {
        let between = suffix + separator + prefix
        for column in schema.columns {
            for (part, role) in [(separator, "separator"), (infix, "field text")] where column.name.contains(part) {
                throw InputError("column name \(quoted: column.name) contains the template's \(role) \(quoted: part); rows could not be read back: rename the column",
                                 at: SourceLocation(file: file))
            }
        }
        let boundaries = schema.columns.map { between + $0.name + infix }
        for column in schema.columns {
            for category in column.categories ?? [] {
                if let boundary = boundaries.first(where: category.contains) {
                    throw InputError("category \(quoted: category) of column \(quoted: column.name) contains \(quoted: boundary), where row text starts the next field; its rows could not be read back: rename the category",
                                     at: SourceLocation(file: file))
                }
                // The parser reads the missing spelling as a missing cell, whether or not the column allows one.
                if category == missing {
                    throw InputError(
                        "column \(quoted: column.name) has a category \(quoted: missing), which is also the template's spelling of a missing value; change `missing` in the template",
                        at: SourceLocation(file: file))
                }
            }
        }
    }

    private static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    private static func unquote(_ raw: Substring, file: String, line: Int, column: Int) throws -> String {
        let leading = raw.prefix { $0 == " " || $0 == "\t" }.count
        let text = raw.dropFirst(leading)
        let location = SourceLocation(file: file, line: line, column: column + leading)
        guard text.first == "\"" else { throw InputError("expected a value in double quotes", at: location) }
        var result = ""
        var index = text.index(after: text.startIndex)
        while index < text.endIndex {
            let character = text[index]
            if character == "\\" {
                index = text.index(after: index)
                guard index < text.endIndex, text[index] == "\"" || text[index] == "\\" else {
                    throw InputError("only \\\" and \\\\ are escapes", at: location)
                }
                result.append(text[index])
            } else if character == "\"" {
                let rest = text[text.index(after: index)...].trimmingCharacters(in: .whitespaces)
                guard rest.isEmpty else { throw InputError("text after the closing quote", at: location) }
                return result
            } else {
                result.append(character)
            }
            index = text.index(after: index)
        }
        throw InputError("the value's closing quote is missing", at: location)
    }
}
