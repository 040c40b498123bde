import TablmCore
import XCTest

final class MembershipInferenceTests: XCTestCase {
    func testNearestDistancesByHand() {
        // Queries (0,0) and (3,4); reference (1,0) and (3,3).
        let d = MembershipInference.nearestDistances(queries: [0, 0, 3, 4], reference: [1, 0, 3, 3], width: 2)
        XCTAssertEqual(d, [1, 1])
    }

    func testAttackAUC() {
        XCTAssertEqual(MembershipInference.auc(memberScores: [3, 4], nonMemberScores: [1, 2]), 1)
        // Pairs (member, non-member): (1,2) lost, (1,0) won, (3,2) won, (3,0) won: 3 of 4.
        XCTAssertEqual(MembershipInference.auc(memberScores: [1, 3], nonMemberScores: [2, 0]), 0.75)
    }
}
