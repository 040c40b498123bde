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
    /// missing bracket) are left to it: this returns nil for them only when it cannot place them.
    public static func check(_ bytes: [UInt8]) -> Violation? {
        var scanner = Scanner(bytes: bytes)
        do {
            try scanner.value(depth: 0)
            scanner.skipSpace()
            return nil
        } catch let violation as Violation {
            return violation
        } catch {
            return nil
        }
    }

    private struct Scanner {
        let bytes: [UInt8]
        var at = 0

        func violation(_ message: String, at offset: Int) -> Violation {
            let before = bytes[..<min(offset, bytes.count)]
            let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
            let start = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
            return Violation(message: message, line: line, column: String(decoding: bytes[start..<min(offset, bytes.count)], as: UTF8.self).count + 1,
                             offset: offset)
        }

        struct Unplaced: Error {}

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        }

        mutating func expect(_ byte: UInt8) throws {
            skipSpace()
            guard at < bytes.count, bytes[at] == byte else { throw Unplaced() }
            at += 1
        }

        /// A string literal; returns its raw bytes between the quotes (escapes as written, so two
        /// spellings of one name are not caught, which Foundation's own duplicate handling shares).
        mutating func string() throws -> ArraySlice<UInt8> {
            try expect(UInt8(ascii: "\""))
            let start = at
            while at < bytes.count, bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
            guard at < bytes.count else { throw Unplaced() }
            defer { at += 1 }
            return bytes[start..<at]
        }

        mutating func value(depth: Int) throws {
            skipSpace()
            guard at < bytes.count else { throw Unplaced() }
            if depth > maximumDepth { throw violation("nested deeper than \(maximumDepth) levels", at: at) }
            switch bytes[at] {
            case UInt8(ascii: "{"):
                at += 1
                var keys = Set<ArraySlice<UInt8>>()
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return }
                while true {
                    skipSpace()
                    let keyStart = at
                    if at < bytes.count, bytes[at] == UInt8(ascii: "}") { throw violation("trailing comma before '}'", at: at) }
                    let key = try string()
                    guard keys.insert(key).inserted else {
                        throw violation("key \"\(InputError.quoted(String(decoding: key, as: UTF8.self)))\" appears twice in one object", at: keyStart)
                    }
                    try expect(UInt8(ascii: ":"))
                    try value(depth: depth + 1)
                    skipSpace()
                    guard at < bytes.count else { throw Unplaced() }
                    if bytes[at] == UInt8(ascii: "}") { at += 1; return }
                    guard bytes[at] == UInt8(ascii: ",") else { throw Unplaced() }
                    at += 1
                }
            case UInt8(ascii: "["):
                at += 1
                skipSpace()
                if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return }
                while true {
                    skipSpace()
                    if at < bytes.count, bytes[at] == UInt8(ascii: "]") { throw violation("trailing comma before ']'", at: at) }
                    try value(depth: depth + 1)
                    skipSpace()
                    guard at < bytes.count else { throw Unplaced() }
                    if bytes[at] == UInt8(ascii: "]") { at += 1; return }
                    guard bytes[at] == UInt8(ascii: ",") else { throw Unplaced() }
                    at += 1
                }
            case UInt8(ascii: "\""):
                _ = try string()
            default:
                let start = at
                while at < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
                guard at > start else { throw Unplaced() }
            }
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
