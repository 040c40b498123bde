import Foundation
import TablmCore
import XCTest

final class OptimizerTests: XCTestCase {
    /// Two AdamW steps against the update written out by hand from the paper's algorithm.
    func testAdamWMatchesTheAlgorithm() {
        let layout = ParameterLayout(config: GPT2Config(vocabularySize: 2, contextLength: 1, width: 2, layers: 1, heads: 1))
        var settings = AdamW.Settings()
        settings.weightDecay = 0.5
        let optimizer = AdamW(layout: layout, settings: settings)
        var parameters = (0..<layout.count).map { Float($0 % 7) * 0.1 - 0.3 }
        var expected = parameters.map(Double.init)
        var m = [Double](repeating: 0, count: layout.count), v = m
        let decayed = Set(layout.tensors.filter(\.isMatrix).flatMap { $0.offset..<$0.offset + $0.count })
        for step in 1...2 {
            let gradients = (0..<layout.count).map { Float(($0 * 3 + step) % 5) * 0.2 - 0.4 }
            parameters.withUnsafeMutableBufferPointer { p in
                gradients.withUnsafeBufferPointer { optimizer.update(parameters: p, gradients: $0, rate: 0.01) }
            }
            for i in 0..<layout.count {
                let g = Double(gradients[i])
                m[i] = 0.9 * m[i] + 0.1 * g
                v[i] = 0.95 * v[i] + 0.05 * g * g
                let mHat = m[i] / (1 - pow(0.9, Double(step))), vHat = v[i] / (1 - pow(0.95, Double(step)))
                expected[i] -= 0.01 * (mHat / (vHat.squareRoot() + 1e-8) + (decayed.contains(i) ? 0.5 * expected[i] : 0))
            }
        }
        for i in 0..<layout.count { XCTAssertEqual(Double(parameters[i]), expected[i], accuracy: 1e-6) }
        XCTAssertFalse(decayed.contains(layout.tensor("ln_f.weight")!.offset), "no decay on LayerNorm")
        XCTAssertTrue(decayed.contains(layout.tensor("wte.weight")!.offset), "decay on embeddings")
    }

    func testClippingScalesToTheMaximumNorm() {
        var gradients: [Float] = [3, 4, 0]
        let before = gradients.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maximum: 1) }
        XCTAssertEqual(before, 5, accuracy: 1e-6)
        XCTAssertEqual(gradients, [0.6, 0.8, 0])
        var small: [Float] = [0.3, 0.4]
        _ = small.withUnsafeMutableBufferPointer { GradientClipping.clip($0, maximum: 1) }
        XCTAssertEqual(small, [0.3, 0.4])
    }

    func testScheduleWarmsUpThenDecaysByCosine() {
        let schedule = LearningRateSchedule(peak: 1e-3, warmupSteps: 10, totalSteps: 110, minimumFraction: 0.1)
        XCTAssertEqual(schedule.rate(at: 0), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(schedule.rate(at: 9), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(schedule.rate(at: 10), 1e-3, accuracy: 1e-12)
        XCTAssertEqual(schedule.rate(at: 60), 0.55e-3, accuracy: 1e-12)   // halfway: (max + min) / 2
        XCTAssertEqual(schedule.rate(at: 110), 1e-4, accuracy: 1e-12)
        XCTAssertEqual(schedule.rate(at: 500), 1e-4, accuracy: 1e-12)
    }
}
