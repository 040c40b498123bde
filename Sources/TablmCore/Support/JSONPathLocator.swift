/// Finds where the value at a coding path (`columns[3].kind`) starts in a JSON text, as a line and
/// column, so that a decoding error points at the value at fault rather than at the first line that
/// happens to mention the same key. The text has already passed a syntax check; on anything
/// unexpected the locator gives up (nil) instead of guessing.
public enum JSONPathLocator {
    public enum Step: Equatable, Sendable {
        case key(String)
        case index(Int)
    }

    public static func steps(_ codingPath: [CodingKey]) -> [Step] {
        codingPath.map { key in key.intValue.map(Step.index) ?? .key(key.stringValue) }
    }

    /// (line, column), both 1-based, of the first character of the value at `path`.
    public static func position(of path: [Step], in text: String) -> (line: Int, column: Int)? {
        let bytes = Array(text.utf8)
        var scanner = Scanner(bytes: bytes)
        guard let offset = scanner.locate(path) else { return nil }
        let before = bytes[..<offset]
        let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
        return (line, String(decoding: bytes[lineStart..<offset], as: UTF8.self).count + 1)
    }

    private struct Scanner {
        let bytes: [UInt8]
        var at = 0

        mutating func skipSpace() {
            while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
        }

        /// Reads a string literal starting at `at` (a quote); returns its raw content (escapes kept).
        mutating func string() -> String? {
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { return nil }
            let start = at + 1
            at += 1
            while at < bytes.count, bytes[at] != UInt8(ascii: "\"") { at += bytes[at] == UInt8(ascii: "\\") ? 2 : 1 }
            guard at < bytes.count else { return nil }
            defer { at += 1 }
            return String(decoding: bytes[start..<at], as: UTF8.self)
        }

        /// Skips one value of any kind.
        mutating func skipValue() -> Bool {
            skipSpace()
            guard at < bytes.count else { return false }
            switch bytes[at] {
            case UInt8(ascii: "\""): return string() != nil
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while at < bytes.count {
                    switch bytes[at] {
                    case UInt8(ascii: "\""): guard string() != nil else { return false }; continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { at += 1; return true }
                    default: break
                    }
                    at += 1
                }
                return false
            default:
                while at < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
                return true
            }
        }

        mutating func locate(_ path: [Step]) -> Int? {
            skipSpace()
            guard let step = path.first else { return at < bytes.count ? at : nil }
            guard at < bytes.count else { return nil }
            switch step {
            case .key(let name):
                guard bytes[at] == UInt8(ascii: "{") else { return nil }
                at += 1
                while true {
                    skipSpace()
                    guard at < bytes.count, bytes[at] != UInt8(ascii: "}"), let key = string() else { return nil }
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return nil }
                    at += 1
                    if key == name { return locate(Array(path.dropFirst())) }
                    guard skipValue() else { return nil }
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ",") else { return nil }
                    at += 1
                }
            case .index(let index):
                guard bytes[at] == UInt8(ascii: "[") else { return nil }
                at += 1
                for _ in 0..<index {
                    guard skipValue() else { return nil }
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: ",") else { return nil }
                    at += 1
                }
                return locate(Array(path.dropFirst()))
            }
        }
    }
}
