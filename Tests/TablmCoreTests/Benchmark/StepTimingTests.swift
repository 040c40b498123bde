import Foundation
import XCTest
@testable import TablmCore

/// The speed probe a time budget sizes by: it times the shapes it is given, each batch in its own
/// kind of step, so sixteen times the rows take several times longer, and a DP-SGD step of few rows
/// is quicker than a plain step of sixteen times as many (each on its own: swapped batches fail).
final class StepTimingTests: XCTestCase {
    func testTheProbeFollowsTheShapes() {
        let config = GPT2Config(vocabularySize: 64, contextLength: 16, width: 16, layers: 1, heads: 2)
        let privateLarge = StepTiming.measure(config: config, priorBatch: 4, privateBatch: 64, microBatch: 16, workers: 1, steps: 5)
        let priorLarge = StepTiming.measure(config: config, priorBatch: 64, privateBatch: 4, microBatch: 16, workers: 1, steps: 5)
        XCTAssertGreaterThan(priorLarge.priorStep, 3 * privateLarge.priorStep, "16 times the rows in a plain step: \(privateLarge) → \(priorLarge)")
        XCTAssertGreaterThan(privateLarge.privateStep, 3 * priorLarge.privateStep, "16 times the rows in a DP-SGD step: \(priorLarge) → \(privateLarge)")
        XCTAssertGreaterThan(priorLarge.priorStep, priorLarge.privateStep, "64 rows in a plain step against 4 in a DP-SGD one")
        XCTAssertGreaterThan(privateLarge.privateStep, privateLarge.priorStep, "64 rows in a DP-SGD step against 4 in a plain one")
    }
}
