@testable import TablmCore
import Foundation
import XCTest

/// The single-precision vector paths (exp, softmax, GELU) against the library's double-precision
/// functions, which the double model and its gradient checks use.
final class VectorKernelTests: XCTestCase {
    func testExpIsWithinTwoUlpOfTheLibrary() {
        var worst = 0.0
        for step in 0...200_000 {
            let x = Float(-87.3 + 175.3 * Double(step) / 200_000)
            let lanes = VectorExp.exp(SIMD8(repeating: x))
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(lanes[3]) - exact) / exact)
        }
        XCTAssertLessThan(worst, 2 * Double(Float.ulpOfOne), "largest relative error \(worst)")
        let edges = VectorExp.exp(SIMD8(-1000, -100, -87.4, 0, 1, 88, 100, .infinity))
        XCTAssertEqual(edges[3], 1)
        XCTAssertEqual(edges[4], Float(M_E), accuracy: 2 * Float(M_E).ulp)
        for lane in 0..<3 { XCTAssertTrue(edges[lane] > 0 && edges[lane] <= 1.2e-38, "lane \(lane): \(edges[lane])") }
        for lane in 5..<8 { XCTAssertTrue(edges[lane].isFinite && edges[lane] > 1e38, "lane \(lane): \(edges[lane])") }
    }

    func testSoftmaxMatchesDoublePrecision() {
        var generator = SplitMix64(seed: 8)
        for count in [1, 3, 8, 13, 190] {
            // Logits that are exact floats, so that only the arithmetic differs.
            let logits = (0..<count).map { _ in Double(Float.random(in: -30...30, using: &generator)) }
            var single = logits.map(Float.init), double = logits
            single.withUnsafeMutableBufferPointer { SoftmaxKernel.normalize($0.baseAddress!, count: count) }
            double.withUnsafeMutableBufferPointer { SoftmaxKernel.normalize($0.baseAddress!, count: count) }
            let maximum = logits.max()!, sum = logits.reduce(0) { $0 + Foundation.exp($1 - maximum) }
            for i in 0..<count {
                XCTAssertEqual(double[i], Foundation.exp(logits[i] - maximum) / sum, accuracy: 1e-15)
                // Float's own rounding of logit − max (up to 60 here, an ulp of 4e-6) bounds the agreement.
                let tolerance = (1e-6 + 4e-6 * (maximum - logits[i]) / 60) * max(double[i], 1e-30)
                XCTAssertEqual(Double(single[i]), double[i], accuracy: tolerance, "count \(count), entry \(i)")
            }
        }
    }

    func testGELUMatchesDoublePrecision() {
        let count = 203   // 25 vectors and a partial one
        let inputs = (0..<count).map { -12 + 24 * Double($0) / Double(count - 1) }
        var single = [Float](repeating: 0, count: count), singleTanh = single
        var double = [Double](repeating: 0, count: count), doubleTanh = double
        let floats = inputs.map(Float.init)
        GELUKernel.forward(out: &single, input: floats, count: count, keepTanh: &singleTanh)
        GELUKernel.forward(out: &double, input: inputs, count: count, keepTanh: &doubleTanh)
        for i in 0..<count {
            let x = inputs[i], u = (2 / Double.pi).squareRoot() * (x + 0.044715 * x * x * x)
            XCTAssertEqual(doubleTanh[i], Foundation.tanh(u), accuracy: 1e-15)
            XCTAssertEqual(Double(singleTanh[i]), doubleTanh[i], accuracy: 2e-7, "tanh at \(x)")
            XCTAssertEqual(Double(single[i]), double[i], accuracy: 2e-6 * max(1, abs(x)), "GELU at \(x)")
        }
    }
}
