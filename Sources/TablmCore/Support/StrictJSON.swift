/// The rules JSON (RFC 8259) states and Foundation's parser lets slide, checked before a file is
/// decoded: a key twice in one object (Foundation keeps one silently; RFC 8259 §4 says names
/// "SHOULD be unique", and a file that says two things is refused here), a trailing comma, and
/// nesting deeper than `maximumDepth` (a hostile file could otherwise exhaust the stack).
public enum StrictJSON {
    public static let maximumDepth = 256

    public struct Violation: Error, Equatable {
        public var message: String
        /// 1-based line and column of the offending character, and its byte offset.
        public var line: Int
        public var column: Int
        public var offset: Int
    }

    /// The first violation in `bytes`, or nil. Syntax errors that Foundation reports itself (a
    /// missing bracket) are left to it: this returns nil for them.
    public static func check(_ bytes: [UInt8]) -> Violation? {
        var scanner = JSONScanner(bytes: bytes)
        do {
            try value(&scanner, depth: 0)
            return nil
        } catch let violation as Violation {
            return violation
        } catch {
            return nil
        }
    }

    /// A syntax error Foundation's parser places itself.
    private struct Unplaced: Error {}

    private static func violation(_ message: String, at offset: Int, in scanner: JSONScanner) -> Violation {
        let position = JSONScanner.position(of: offset, in: scanner.bytes)
        return Violation(message: message, line: position.line, column: position.column, offset: offset)
    }

    private static func value(_ scanner: inout JSONScanner, depth: Int) throws {
        scanner.skipSpace()
        guard !scanner.atEnd else { throw Unplaced() }
        if depth > maximumDepth { throw violation("nested deeper than \(maximumDepth) levels", at: scanner.at, in: scanner) }
        switch scanner.bytes[scanner.at] {
        case UInt8(ascii: "{"):
            // Keys as written (escapes kept), so two spellings of one name are not caught.
            var keys = Set<ArraySlice<UInt8>>()
            try elements(&scanner, closing: UInt8(ascii: "}")) { scanner in
                let keyStart = scanner.at
                guard let key = scanner.string() else { throw Unplaced() }
                guard keys.insert(key).inserted else {
                    throw violation("key \"\(InputError.quoted(String(decoding: key, as: UTF8.self)))\" appears twice in one object",
                                    at: keyStart, in: scanner)
                }
                scanner.skipSpace()
                guard !scanner.atEnd, scanner.bytes[scanner.at] == UInt8(ascii: ":") else { throw Unplaced() }
                scanner.at += 1
                try value(&scanner, depth: depth + 1)
            }
        case UInt8(ascii: "["):
            try elements(&scanner, closing: UInt8(ascii: "]")) { scanner in try value(&scanner, depth: depth + 1) }
        case UInt8(ascii: "\""):
            guard scanner.string() != nil else { throw Unplaced() }
        default:
            guard scanner.scalar() else { throw Unplaced() }
        }
    }

    /// The comma-separated elements of an object or array, from its opening bracket to `close`;
    /// a comma right before `close` is a violation.
    private static func elements(_ scanner: inout JSONScanner, closing close: UInt8, _ element: (inout JSONScanner) throws -> Void) throws {
        scanner.at += 1
        scanner.skipSpace()
        if !scanner.atEnd, scanner.bytes[scanner.at] == close { scanner.at += 1; return }
        while true {
            scanner.skipSpace()
            if !scanner.atEnd, scanner.bytes[scanner.at] == close {
                throw violation("trailing comma before '\(Character(Unicode.Scalar(close)))'", at: scanner.at, in: scanner)
            }
            try element(&scanner)
            scanner.skipSpace()
            guard !scanner.atEnd else { throw Unplaced() }
            if scanner.bytes[scanner.at] == close { scanner.at += 1; return }
            guard scanner.bytes[scanner.at] == UInt8(ascii: ",") else { throw Unplaced() }
            scanner.at += 1
        }
    }
}

extension StrictJSON {
    /// Throws the first violation of `data` as an InputError at its line and column in `path`.
    public static func require(_ data: some Collection<UInt8>, path: String) throws {
        if let violation = check(Array(data)) {
            throw InputError(violation.message, at: SourceLocation(file: path, line: violation.line, column: violation.column))
        }
    }
}
