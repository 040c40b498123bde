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
        var scanner = JSONScanner(bytes: Array(text.utf8))
        guard let offset = locate(path[...], with: &scanner) else { return nil }
        return JSONScanner.position(of: offset, in: scanner.bytes)
    }

    /// Skips one value of any kind.
    private static func skipValue(_ scanner: inout JSONScanner) -> Bool {
        scanner.skipSpace()
        guard !scanner.atEnd else { return false }
        switch scanner.bytes[scanner.at] {
        case UInt8(ascii: "\""): return scanner.string() != nil
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            while !scanner.atEnd {
                switch scanner.bytes[scanner.at] {
                case UInt8(ascii: "\""): guard scanner.string() != nil else { return false }; continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { scanner.at += 1; return true }
                default: break
                }
                scanner.at += 1
            }
            return false
        default:
            return scanner.scalar()
        }
    }

    /// Skips white space and one expected byte; false when another byte comes.
    private static func next(_ byte: UInt8, _ scanner: inout JSONScanner) -> Bool {
        scanner.skipSpace()
        guard !scanner.atEnd, scanner.bytes[scanner.at] == byte else { return false }
        scanner.at += 1
        return true
    }

    private static func locate(_ path: ArraySlice<Step>, with scanner: inout JSONScanner) -> Int? {
        scanner.skipSpace()
        guard let step = path.first else { return scanner.atEnd ? nil : scanner.at }
        switch step {
        case .key(let name):
            guard next(UInt8(ascii: "{"), &scanner) else { return nil }
            let wanted = Array(name.utf8)
            while true {
                scanner.skipSpace()
                guard let key = scanner.string(), next(UInt8(ascii: ":"), &scanner) else { return nil }
                if key.elementsEqual(wanted) { return locate(path.dropFirst(), with: &scanner) }
                guard skipValue(&scanner), next(UInt8(ascii: ","), &scanner) else { return nil }
            }
        case .index(let index):
            guard next(UInt8(ascii: "["), &scanner) else { return nil }
            for _ in 0..<index {
                guard skipValue(&scanner), next(UInt8(ascii: ","), &scanner) else { return nil }
            }
            return locate(path.dropFirst(), with: &scanner)
        }
    }
}
