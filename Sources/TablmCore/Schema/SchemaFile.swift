import Foundation

/// Reads and writes schema JSON files, validating every rule a later step relies on, so that a
/// hand-edited schema fails here with the file and line at fault rather than deep inside training.
public enum SchemaFile {
    public static func load(path: String) throws -> Schema {
        let data = try InputFile.contents(path, what: "a schema", limit: InputFile.smallFileLimit)
        try checkSyntax(data, path: path)
        let schema = try decode(Schema.self, from: data, path: path)
        try validate(schema, text: String(decoding: data, as: UTF8.self), path: path)
        return schema
    }

    /// A JSON file of tablm's (schema, training record, Opacus record) decoded: strict JSON first
    /// (`StrictJSON`), then `Decodable`, a decoding error becoming one line at the value at fault.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data, path: String) throws -> T {
        try StrictJSON.require(data, path: path)
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw describe(error, in: String(decoding: data, as: UTF8.self), path: path)
        }
    }

    public static func encode(_ schema: Schema) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(schema)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    public static func save(_ schema: Schema, to path: String) throws {
        try validate(schema, text: nil, path: path)
        try AtomicFileWriter.write(try encode(schema), to: path)
    }

    /// Checks the rules of a schema; `text` (the file's JSON) is used to point at the line at fault.
    public static func validate(_ schema: Schema, text: String?, path: String) throws {
        func fail(_ message: String, near needle: String?) -> InputError {
            let line = needle.flatMap { needle in text.flatMap { JSONLine.of(needle, in: $0) } }
            return InputError(message, at: SourceLocation(file: path, line: line))
        }
        guard schema.version == Schema.currentVersion else {
            throw fail("schema version \(schema.version) is not supported (expected \(Schema.currentVersion))",
                       near: "\"version\"")
        }
        guard !schema.columns.isEmpty else { throw fail("the schema has no columns", near: "\"columns\"") }
        guard schema.columns.count <= Schema.largestColumnCount else {
            throw fail("the schema has \(schema.columns.count) columns; tablm takes at most \(Schema.largestColumnCount)", near: "\"columns\"")
        }
        if schema.source == .dp {
            guard let cost = schema.privacyCost, cost.epsilon > 0, cost.delta >= 0, cost.delta < 1 else {
                throw fail("a schema with \"source\": \"dp\" needs \"privacy_cost\" {epsilon > 0, delta in [0, 1)}", near: "\"source\"")
            }
        }
        var seen = Set<String>()
        for column in schema.columns {
            let here = "\"\(column.name)\""
            guard !column.name.isEmpty else { throw fail("a column has an empty name", near: "\"name\"") }
            if let bad = InputError.controlCharacter(in: column.name) {
                throw fail("column name \(quoted: column.name) contains \(bad), a line break or control character", near: here)
            }
            guard column.name.count <= Schema.longestName else {
                throw fail("column name \(quoted: column.name) has \(column.name.count) characters; at most \(Schema.longestName)", near: here)
            }
            guard seen.insert(column.name).inserted else {
                throw fail("duplicate column name \(quoted: column.name)", near: here)
            }
            try validate(column, fail: { fail($0, near: here) })
        }
        if let target = schema.target {
            guard seen.contains(target) else {
                throw fail("target \(quoted: target) is not a column of the schema", near: "\"target\"")
            }
        }
        for name in schema.sensitive {
            guard seen.contains(name) else {
                throw fail("sensitive column \(quoted: name) is not a column of the schema", near: "\"sensitive\"")
            }
            guard name != schema.target else {
                throw fail("\(quoted: name) cannot be both the target and a sensitive column", near: "\"sensitive\"")
            }
        }
    }

    private static func validate(_ column: ColumnSchema, fail: (String) -> InputError) throws {
        let name = column.name
        switch column.kind {
        case .categorical:
            guard let categories = column.categories, !categories.isEmpty else {
                throw fail("categorical column \(quoted: name) has an empty category list")
            }
            guard column.min == nil, column.max == nil, column.precision == nil, column.values == nil else {
                throw fail("categorical column \(quoted: name) cannot have min, max, precision or values")
            }
            guard categories.count <= Schema.largestCategoryCount else {
                throw fail("categorical column \(quoted: name) lists \(categories.count) categories; at most \(Schema.largestCategoryCount)")
            }
            var distinct = Set<String>()
            for category in categories {
                guard !category.isEmpty else {
                    throw fail("column \(quoted: name) lists an empty category (an empty field means missing: set allows_missing)")
                }
                guard category.count <= Schema.longestCategory else {
                    throw fail("a category of column \(quoted: name) has \(category.count) characters; at most \(Schema.longestCategory) (row text this long is no row)")
                }
                if let bad = InputError.controlCharacter(in: category) {
                    throw fail("category \(quoted: category) of column \(quoted: name) contains \(bad), a line break or control character")
                }
                guard distinct.insert(category).inserted else {
                    throw fail("category \(quoted: category) of column \(quoted: name) is listed twice")
                }
            }
        case .integer, .real:
            guard column.categories == nil else {
                throw fail("\(column.kind.rawValue) column \(quoted: name) cannot have categories")
            }
            guard let min = column.min, let max = column.max, min.isFinite, max.isFinite else {
                throw fail("\(column.kind.rawValue) column \(quoted: name) needs finite min and max")
            }
            guard min <= max else { throw fail("column \(quoted: name) has min \(min) above max \(max)") }
            if column.kind == .integer {
                guard column.precision == nil || column.precision == 0 else {
                    throw fail("integer column \(quoted: name) must have precision 0 (use kind real for decimals)")
                }
                guard min == min.rounded(), max == max.rounded() else {
                    throw fail("integer column \(quoted: name) has a fractional min or max")
                }
            } else {
                guard let precision = column.precision, (0...FixedPoint.maxDecimals).contains(precision) else {
                    throw fail("real column \(quoted: name) needs a precision from 0 to \(FixedPoint.maxDecimals) (decimals kept)")
                }
            }
            let scale = Double(FixedPoint.powers[column.decimals])
            guard Swift.max(abs(min), abs(max)) * scale <= Double(FixedPoint.maxUnits) else {
                throw fail("column \(quoted: name) has bounds too large to hold exactly at precision \(column.decimals)")
            }
            if let values = column.values {
                guard column.kind == .integer else { throw fail("real column \(quoted: name) cannot list values (integer columns only)") }
                guard !values.isEmpty, values.count <= ColumnSchema.largestValueList else {
                    throw fail("integer column \(quoted: name) lists \(values.count) values; give 1 to \(ColumnSchema.largestValueList), or none")
                }
                for (previous, value) in zip(values, values.dropFirst()) where value <= previous {
                    throw fail("the values of column \(quoted: name) must be ascending without repeats (\(previous) before \(value))")
                }
                if let outside = values.first(where: { Double($0) < min || Double($0) > max }) {
                    throw fail("value \(outside) of column \(quoted: name) is outside its range [\(Int64(min)), \(Int64(max))]")
                }
            }
        }
    }

    /// JSONDecoder on Linux says only "not valid JSON"; JSONSerialization gives the byte offset of a
    /// syntax error, which is turned into a line and column here.
    private static func checkSyntax(_ data: Data, path: String) throws {
        do {
            _ = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            var location = SourceLocation(file: path)
            if let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
               let offset = Int(detail[range].dropFirst("character ".count)) {
                (location.line, location.column) = JSONScanner.position(of: offset, in: data)
            }
            throw InputError("not valid JSON: \(detail)", at: location)
        }
    }

    /// Turns Foundation's decoding error into one line that names the file, the line and column of
    /// the value at fault, and what was expected (never a Swift type name).
    private static func describe(_ error: DecodingError, in text: String, path: String) -> InputError {
        func pathText(_ codingPath: [CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        func location(_ codingPath: [CodingKey]) -> SourceLocation {
            if let position = JSONPathLocator.position(of: JSONPathLocator.steps(codingPath), in: text) {
                return SourceLocation(file: path, line: position.line, column: position.column)
            }
            let key = codingPath.last(where: { $0.intValue == nil })?.stringValue
            return SourceLocation(file: path, line: key.flatMap { JSONLine.of("\"\($0)\"", in: text) })
        }
        /// "unknown kind 'categorial' (expected categorical, integer or real)" for a value that is not
        /// one of an enumeration's spellings.
        func expected(_ context: DecodingError.Context) -> String {
            let key = context.codingPath.last?.stringValue ?? "value"
            let choices: [String]? = switch key {
            case "kind": ColumnKind.allCases.map(\.rawValue)
            case "source": SchemaSource.allCases.map(\.rawValue)
            default: nil
            }
            if let range = context.debugDescription.range(of: "invalid String value ") {
                let value = String(context.debugDescription[range.upperBound...])
                guard let choices else { return "unknown \(key) \(quoted: value) at \(pathText(context.codingPath)) (not one tablm writes)" }
                return "unknown \(key) \(quoted: value) at \(pathText(context.codingPath)) (expected "
                    + choices.dropLast().joined(separator: ", ") + " or \(choices.last!))"
            }
            return "wrong value at \(pathText(context.codingPath)): " + context.debugDescription
                .replacingOccurrences(of: "Expected to decode ", with: "expected ")
        }
        switch error {
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return InputError(expected(context), at: location(context.codingPath))
        case .dataCorrupted(let context):
            // The syntax passed (StrictJSON): on Linux this is a number its field cannot hold, a
            // fraction or ±1e19 where a whole number belongs ("precision": 2.5, "seed": -1), said as
            // "not valid JSON" with no path.
            return InputError("a number does not fit its field: a fraction, or a value out of range, where a whole number belongs (the decoder does not say which; \(context.debugDescription))",
                              at: SourceLocation(file: path))
        case .keyNotFound(let key, let context):
            let at = pathText(context.codingPath)
            return InputError("missing key \(quoted: key.stringValue)\(at.isEmpty ? "" : " in \(at)")",
                              at: location(context.codingPath))
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return InputError(expected(context), at: location(context.codingPath))
        @unknown default:
            return InputError("cannot decode the file", at: SourceLocation(file: path))
        }
    }
}

/// Finds the line of a JSON text where a key or value first appears, to point an error at it.
enum JSONLine {
    static func of(_ needle: String, in text: String) -> Int? {
        guard let range = text.range(of: needle) else { return nil }
        return text[..<range.lowerBound].reduce(1) { $1 == "\n" ? $0 + 1 : $0 }
    }
}
