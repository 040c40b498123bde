import Foundation
import XCTest
@testable import TablmCore

/// The speed probe a time budget sizes by: it times the shapes it is given, each batch in its own
/// kind of step, so sixteen times the rows take several times longer in each (measured 12–17 times:
/// swapped batches fail), and a DP-SGD step of 64 rows is slower than a plain one of 4 (140 times).
final class StepTimingTests: XCTestCase {
    func testTheProbeFollowsTheShapes() {
        let config = GPT2Config(vocabularySize: 64, contextLength: 16, width: 16, layers: 1, heads: 2)
        let privateLarge = StepTiming.measure(config: config, priorBatch: 4, privateBatch: 64, microBatch: 16, workers: 1, steps: 5)
        let priorLarge = StepTiming.measure(config: config, priorBatch: 64, privateBatch: 4, microBatch: 16, workers: 1, steps: 5)
        XCTAssertGreaterThan(priorLarge.priorStep, 3 * privateLarge.priorStep, "16 times the rows in a plain step: \(privateLarge) → \(priorLarge)")
        XCTAssertGreaterThan(privateLarge.privateStep, 3 * priorLarge.privateStep, "16 times the rows in a DP-SGD step: \(priorLarge) → \(privateLarge)")
        XCTAssertGreaterThan(privateLarge.privateStep, privateLarge.priorStep, "64 rows in a DP-SGD step against 4 in a plain one")
    }
}
