@testable import TablmCore
import Foundation
import XCTest

/// What the checkpoint keeps of the prior for `generate --match-prior`: the fit's joint of the target
/// with each categorical column. With so much budget that the noise is negligible, it is the table's
/// own joint, counted here by hand.
final class MarginalPriorReleaseTests: XCTestCase {
    // The target between two categorical columns, so that both layouts of the projection are read.
    private let schema = Schema(columns: [.categorical("a", ["a0", "a1", "a2"]), .categorical("y", ["no", "yes"]),
                                          .integer("n", min: 0, max: 9), .categorical("b", ["b0", "b1"])],
                                source: .public, target: "y")

    private func table() -> [Row] {
        var generator = SplitMix64(seed: 11)
        return (0..<3000).map { _ in
            let a = Int.random(in: 0..<3, using: &generator)
            let yes = Double.random(in: 0..<1, using: &generator) < [0.1, 0.4, 0.8][a]
            let b = Double.random(in: 0..<1, using: &generator) < (yes ? 0.7 : 0.2) ? 1 : 0
            return [.category("a\(a)"), .category(yes ? "yes" : "no"), .number(Int64.random(in: 0...9, using: &generator)), .category("b\(b)")]
        }
    }

    func testReleasedJointsMatchTheTableAtNegligibleNoise() throws {
        let rows = table()
        var generator = SplitMix64(seed: 3)
        let release = try MarginalPriorRelease.release(rows: rows, schema: schema, rho: 1e6, generator: &generator)
        let record = release.record(share: 0.75, pseudoRows: 128, steps: 10, schema: schema)
        XCTAssertEqual(record.released.map(\.columns), [["a", "y"], ["b", "y"]])
        for (joint, column, values) in [(record.released[0], 0, ["a0", "a1", "a2"]), (record.released[1], 3, ["b0", "b1"])] {
            for (i, value) in values.enumerated() {
                for (j, target) in ["no", "yes"].enumerated() {
                    let count = rows.filter { $0[column] == .category(value) && $0[1] == .category(target) }.count
                    XCTAssertEqual(joint.probabilities[i * 2 + j], Double(count) / Double(rows.count), accuracy: 0.01, "\(joint.columns) \(value) \(target)")
                }
            }
            XCTAssertEqual(joint.probabilities.reduce(0, +), 1, accuracy: 1e-9)
        }
    }

    /// P(second | first) divides each row of the joint by its sum; an empty row or a size that does
    /// not divide gives nothing.
    func testConditionalOfAReleasedJoint() throws {
        let joint = PriorRecord.ReleasedMarginal(columns: ["a", "y"], probabilities: [0.1, 0.3, 0.4, 0.2])
        let conditional = try XCTUnwrap(joint.conditional(valueCount: 2))
        XCTAssertEqual(conditional[0][1], 0.75, accuracy: 1e-12)
        XCTAssertEqual(conditional[1][0], 4.0 / 6, accuracy: 1e-12)
        XCTAssertNil(joint.conditional(valueCount: 3))
        XCTAssertNil(PriorRecord.ReleasedMarginal(columns: ["a", "y"], probabilities: [0, 0, 0.5, 0.5]).conditional(valueCount: 2))
        XCTAssertNil(PriorRecord.ReleasedMarginal(columns: ["a", "y"], probabilities: [.nan, 0.1, 0.5, 0.5]).conditional(valueCount: 2))
    }

    /// A checkpoint written before the joints were kept still reads (none released); a new one keeps them.
    func testRecordsWithAndWithoutReleasedJointsDecode() throws {
        let old = #"{"share":0.75,"rho":0.01,"measurements":[{"columns":["a"],"sigma":2}],"pseudo_rows":128,"steps":750}"#
        let decoded = try JSONDecoder().decode(PriorRecord.self, from: Data(old.utf8))
        XCTAssertEqual(decoded.released, [])
        XCTAssertEqual(decoded.steps, 750)
        var record = decoded
        record.released = [.init(columns: ["a", "y"], probabilities: [0.1, 0.3, 0.4, 0.2])]
        XCTAssertEqual(try JSONDecoder().decode(PriorRecord.self, from: JSONEncoder().encode(record)), record)
    }
}
