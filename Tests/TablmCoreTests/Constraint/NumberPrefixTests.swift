@testable import TablmCore
import XCTest

final class NumberPrefixTests: XCTestCase {
    /// Exhaustive check against brute force: for small ranges, a prefix can complete exactly when
    /// some canonical number inside the range starts with it, and is complete exactly when it is one.
    func testAgreesWithBruteForce() {
        let cases: [(ClosedRange<Int64>, Int)] = [(17...90, 0), ((-15)...7, 0), (0...0, 0), ((-250)...125, 1), (5...999, 2), ((-3)...(-1), 0), (100...105, 0)]
        for (range, decimals) in cases {
            let spellings = Set(range.map { FixedPoint.format(units: $0, decimals: decimals) })
            var prefixes = Set<String>()
            for spelling in spellings {
                for length in 0...spelling.count { prefixes.insert(String(spelling.prefix(length))) }
            }
            // Walk every string over the alphabet up to the longest spelling's length + 1.
            let maxLength = (spellings.map(\.count).max() ?? 0) + 1
            var frontier: [(String, NumberPrefix)] = [("", NumberPrefix())]
            for _ in 0..<maxLength {
                var next: [(String, NumberPrefix)] = []
                for (text, prefix) in frontier {
                    XCTAssertEqual(prefix.canComplete(decimals: decimals, range: range), prefixes.contains(text), "\(range) d\(decimals) '\(text)'")
                    XCTAssertEqual(prefix.isComplete(decimals: decimals, range: range), spellings.contains(text), "\(range) d\(decimals) '\(text)'")
                    guard prefix.canComplete(decimals: decimals, range: range) else { continue }
                    let symbols: [(Character, NumberPrefix.Symbol)] = [("-", .minus), (".", .point)] + (0...9).map { (Character("\($0)"), .digit(UInt8($0))) }
                    for (character, symbol) in symbols {
                        if let extended = prefix.appending(symbol, decimals: decimals) { next.append((text + String(character), extended)) }
                    }
                }
                frontier = next
            }
        }
    }
}
