import TablmCore
import XCTest

final class ParameterAverageTests: XCTestCase {
    /// The recursion equals its unrolled form: a_T = (Π β_s) a_0 + Σ_t (1 − β_t) (Π_{s>t} β_s) x_t,
    /// with β_t = min(β, (1 + t)/(10 + t)); and the weights sum to one.
    func testAverageIsTheUnrolledWeightedSum() {
        var parameters: [Float] = [2, -1, 0.5]
        let start = parameters.map(Double.init)
        let average = parameters.withUnsafeMutableBufferPointer { ParameterAverage(parameters: $0, decay: 0.95) }
        var iterates: [[Double]] = []
        for t in 1...60 {
            parameters = [Float(t), Float(t * t) / 100, Float(sin(Double(t)))]
            iterates.append(parameters.map(Double.init))
            parameters.withUnsafeMutableBufferPointer { average.update(from: $0) }
        }
        let betas = (1...60).map { min(0.95, Double(1 + $0) / Double(10 + $0)) }
        var weightSum = betas.reduce(1, *)
        var expected = start.map { $0 * betas.reduce(1, *) }
        for t in 0..<60 {
            let weight = (1 - betas[t]) * betas[(t + 1)...].reduce(1, *)
            weightSum += weight
            for i in 0..<3 { expected[i] += weight * iterates[t][i] }
        }
        XCTAssertEqual(weightSum, 1, accuracy: 1e-12)
        XCTAssertEqual(average.updates, 60)
        for i in 0..<3 { XCTAssertEqual(Double(average.other[i]), expected[i], accuracy: 1e-3 * max(1, abs(expected[i]))) }
        XCTAssertEqual(ParameterAverage.decay(0.95, update: 5), 6.0 / 15.0)
        XCTAssertEqual(ParameterAverage.decay(0.95, update: 1000), 0.95)
    }

    /// `withAverage` shows the average and gives the iterate back unchanged; `settle` leaves the
    /// average in for good.
    func testExchangeShowsTheAverageAndRestoresTheIterate() {
        var parameters: [Float] = [1, 2]
        let average = parameters.withUnsafeMutableBufferPointer { ParameterAverage(parameters: $0, decay: 0.5) }
        parameters = [3, 6]
        parameters.withUnsafeMutableBufferPointer { average.update(from: $0) }   // β_1 = 2/11
        let seen = parameters.withUnsafeMutableBufferPointer { p in average.withAverage(in: p) { Array(p) } }
        XCTAssertEqual(seen[0], 2.0 / 11 * 1 + 9.0 / 11 * 3, accuracy: 1e-6)
        XCTAssertEqual(seen[1], 2.0 / 11 * 2 + 9.0 / 11 * 6, accuracy: 1e-6)
        XCTAssertEqual(parameters, [3, 6])
        XCTAssertFalse(average.modelHoldsAverage)
        parameters.withUnsafeMutableBufferPointer { average.settle(in: $0) }
        XCTAssertEqual(parameters, seen)
        XCTAssertEqual(average.other, [3, 6])
    }
}
