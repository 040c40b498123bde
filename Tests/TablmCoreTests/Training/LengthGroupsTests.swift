@testable import TablmCore
import XCTest

final class LengthGroupsTests: XCTestCase {
    /// Σ (rows + 1) · longest, the cost the grouping minimises.
    private func cost(_ groups: [Range<Int>], _ lengths: [Int]) -> Int {
        groups.map { ($0.count + 1) * lengths[$0.upperBound - 1] }.reduce(0, +)
    }

    /// The cheapest cut by trying every one (2^(n-1) of them).
    private func bruteForce(_ lengths: [Int], minimumRows: Int) -> Int {
        let n = lengths.count, least = min(minimumRows, n)
        var best = Int.max
        for mask in 0..<(1 << (n - 1)) {
            var groups: [Range<Int>] = [], start = 0
            for i in 1..<n where mask & (1 << (i - 1)) != 0 { groups.append(start..<i); start = i }
            groups.append(start..<n)
            guard groups.allSatisfy({ $0.count >= least }) else { continue }
            best = min(best, cost(groups, lengths))
        }
        return best
    }

    func testMatchesEveryCutTried() {
        var generator = SplitMix64(seed: 3)
        for trial in 0..<60 {
            let n = 1 + trial % 14
            let lengths = (0..<n).map { _ in Int.random(in: 30...44, using: &generator) }.sorted()
            for least in [1, 3, 8] {
                let groups = LengthGroups.groups(sortedLengths: lengths, minimumRows: least)
                XCTAssertEqual(groups.first?.lowerBound, 0)
                XCTAssertEqual(groups.last?.upperBound, n)
                XCTAssertTrue(zip(groups, groups.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound }, "consecutive, covering")
                XCTAssertTrue(groups.allSatisfy { $0.count >= min(least, n) })
                XCTAssertEqual(cost(groups, lengths), bruteForce(lengths, minimumRows: least), "\(lengths), at least \(least)")
            }
        }
    }

    func testEqualLengthsStayOneGroupAndALongTailIsCutOff() {
        XCTAssertEqual(LengthGroups.groups(sortedLengths: [Int](repeating: 43, count: 64)), [0..<64])
        // 56 rows of 38 and 8 of 43: two passes (57·38 + 9·43 = 2,553) beat one (65·43 = 2,795).
        XCTAssertEqual(LengthGroups.groups(sortedLengths: [Int](repeating: 38, count: 56) + [Int](repeating: 43, count: 8)), [0..<56, 56..<64])
        XCTAssertEqual(LengthGroups.groups(sortedLengths: []), [])
    }
}
