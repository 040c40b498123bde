import XCTest
@testable import TablmCore

final class JunctionTreeTests: XCTestCase {
    /// Every measured clique lies in a clique of the tree, and the tree has the running-intersection
    /// property: the cliques that hold an attribute form a connected subtree.
    func testCoversMeasuredCliquesWithRunningIntersection() {
        let domain = [3, 4, 2, 5, 2, 3]
        let measured = [[0, 1], [1, 2], [2, 3], [3, 0], [4], [4, 5], [1, 5]]
        let tree = JunctionTree(domain: domain, measured: measured)
        for clique in measured { XCTAssertNotNil(tree.clique(containing: clique), "\(clique)") }
        XCTAssertEqual(tree.edges.count, tree.cliques.count - 1)
        for attribute in domain.indices {
            let holding = Set(tree.cliques.indices.filter { tree.cliques[$0].contains(attribute) })
            XCTAssertFalse(holding.isEmpty)
            // Connected: a walk over edges whose separator holds the attribute reaches all of them.
            var reached: Set<Int> = [holding.first!], frontier = [holding.first!]
            while let node = frontier.popLast() {
                for (next, edge) in tree.neighbours[node] where tree.edges[edge].separator.contains(attribute) && !reached.contains(next) {
                    reached.insert(next)
                    frontier.append(next)
                }
            }
            XCTAssertEqual(reached, holding, "attribute \(attribute)")
        }
        // The 4-cycle 0-1-2-3 needs a chord: some clique holds three of its attributes.
        XCTAssertTrue(tree.cliques.contains { Set($0).intersection([0, 1, 2, 3]).count >= 3 })
        XCTAssertEqual(tree.breadthFirst.count, tree.cliques.count)
    }

    /// Cliques whose cells overflow a 64-bit count saturate (AIM's size filter then rejects them):
    /// 128-bin amounts on many columns trapped here before (`--prior-bins 128` at ε = 10 on Adult).
    func testHugeCliquesSaturateInsteadOfTrapping() {
        let domain = [Int](repeating: 4096, count: 8)
        let everything = [Array(0..<8)]
        XCTAssertEqual(JunctionTree.cellCount(domain: domain, measured: everything), .max, "4096^8 > Int.max")
        XCTAssertEqual(JunctionTree.cellCount(domain: [4096, 4096], measured: [[0, 1]]), 4096 * 4096, "exact below the limit")
    }
}
