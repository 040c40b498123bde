import TablmCore

/// Seeded mutations of a valid file, the kinds an attacker or a broken disk would make: a byte
/// changed, dropped or inserted, a chunk repeated, the file cut short, a number swapped for an
/// extreme one (where the crashes of the hostile-input issue came from), a string emptied, grown or
/// given a control character.
struct FileMutator {
    private var generator: SplitMix64

    init(seed: UInt64) { generator = SplitMix64(seed: seed) }

    static let extremeNumbers = ["-1", "0", "1", "1.5", "-0", "99", "2147483648", "4294967296", "4611686018427387904",
                                 "9223372036854775807", "18446744073709551616", "1e308", "-1e308", "1e-320", "NaN",
                                 "Infinity", "99999999999999999999999"]
    static let syntax: [UInt8] = Array(",\"{}[]:\n\r\t\\ .-e0".utf8) + [0, 0xFF, 0xC3]

    /// One to three mutations of `bytes`.
    mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var result = bytes
        for _ in 0..<(1 + below(3)) { result = step(result) }
        return result
    }

    private mutating func below(_ bound: Int) -> Int { Int(generator.next() % UInt64(max(bound, 1))) }

    private mutating func step(_ bytes: [UInt8]) -> [UInt8] {
        guard !bytes.isEmpty else { return [FileMutator.syntax[below(FileMutator.syntax.count)]] }
        var bytes = bytes
        let at = below(bytes.count)
        switch below(8) {
        case 0:
            bytes[at] = UInt8(truncatingIfNeeded: generator.next())
        case 1:
            bytes.removeSubrange(at..<min(bytes.count, at + 1 + below(16)))
        case 2:
            bytes.insert(contentsOf: (0..<(1 + below(4))).map { _ in FileMutator.syntax[below(FileMutator.syntax.count)] }, at: at)
        case 3:
            let chunk = bytes[at..<min(bytes.count, at + 1 + below(64))]
            bytes.insert(contentsOf: Array(chunk), at: at)
        case 4:
            bytes.removeSubrange(at...)
        case 5, 6:
            // A run of digits (with its sign and decimals) becomes an extreme number.
            let digits = bytes.indices.filter { isDigit(bytes[$0]) && ($0 == 0 || !isDigit(bytes[$0 - 1])) }
            guard !digits.isEmpty else { return bytes }
            var start = digits[below(digits.count)]
            if start > 0, bytes[start - 1] == UInt8(ascii: "-") { start -= 1 }
            var end = start + 1
            while end < bytes.count, isDigit(bytes[end]) || ".eE+-".utf8.contains(bytes[end]) { end += 1 }
            bytes.replaceSubrange(start..<end, with: Array(FileMutator.extremeNumbers[below(FileMutator.extremeNumbers.count)].utf8))
        default:
            // The inside of a string literal becomes empty, 10,000 characters long, or holds a NUL / newline.
            let quotes = bytes.indices.filter { bytes[$0] == UInt8(ascii: "\"") }
            guard quotes.count >= 2 else { return bytes }
            let first = below(quotes.count - 1)
            let replacement: [UInt8] = switch below(3) {
            case 0: []
            case 1: Array(repeating: UInt8(ascii: "x"), count: 10_000)
            default: Array("a\\u0000b\\nc".utf8)
            }
            bytes.replaceSubrange((quotes[first] + 1)..<quotes[first + 1], with: replacement)
        }
        return bytes
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}
