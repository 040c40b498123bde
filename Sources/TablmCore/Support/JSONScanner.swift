/// The lexical pieces shared by tablm's JSON passes (`JSONPathLocator`, `StrictJSON`, the syntax
/// error position in `SchemaFile`): a cursor over UTF-8 bytes that skips white space, reads string
/// literals and scalars, and turns a byte offset into the line and column an error names.
struct JSONScanner {
    let bytes: [UInt8]
    var at = 0

    static let space: [UInt8] = [0x20, 0x09, 0x0A, 0x0D]

    var atEnd: Bool { at >= bytes.count }

    mutating func skipSpace() {
        while at < bytes.count, Self.space.contains(bytes[at]) { at += 1 }
    }

    /// Reads the string literal starting at `at` (a quote); returns its raw bytes between the quotes
    /// (escapes as written), or nil when there is none or it never ends.
    mutating func string() -> ArraySlice<UInt8>? {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
        at += 1
        let start = at
        while at < bytes.count, bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
        guard at < bytes.count else { return nil }
        defer { at += 1 }
        return bytes[start..<at]
    }

    /// Skips a number or literal (`true`, `null`, `-2.5e3`); false when there is none.
    mutating func scalar() -> Bool {
        let start = at
        while at < bytes.count, !([UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]")] + Self.space).contains(bytes[at]) { at += 1 }
        return at > start
    }

    /// 1-based line and column (in characters) of a byte offset of `bytes`.
    static func position(of offset: Int, in bytes: some Collection<UInt8>) -> (line: Int, column: Int) {
        let before = Array(bytes.prefix(offset))
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        return (line, String(decoding: before[lineStart...], as: UTF8.self).count + 1)
    }
}
