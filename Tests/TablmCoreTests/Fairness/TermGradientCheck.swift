@testable import TablmCore
import XCTest

/// Checks shared by the fairness terms' tests: a term is a function of the model's parameters that
/// returns its value and adds its gradient to `model.gradients`.
enum TermGradientCheck {
    /// Compares the gradient a term left in `model` with central differences of its value at
    /// `samples` random parameters; returns how many of them move the term.
    @discardableResult
    static func compare(_ model: GPT2<Double>, samples: Int, seed: UInt64, term: () -> Double,
                        file: StaticString = #filePath, line: UInt = #line) -> Int {
        let analytic = Array(model.gradients)
        var generator = SplitMix64(seed: seed)
        var moving = 0
        for _ in 0..<samples {
            let i = Int.random(in: 0..<model.parameterCount, using: &generator)
            let numeric = FiniteDifference.central(model, at: i, of: term)
            XCTAssertEqual(analytic[i], numeric, accuracy: 1e-7 + 1e-4 * abs(numeric), "parameter \(i)", file: file, line: line)
            if abs(numeric) > 1e-6 { moving += 1 }
        }
        return moving
    }

    /// Plain gradient descent on the term alone; returns its value before and after.
    static func descend<S: ModelScalar>(_ model: GPT2<S>, steps: Int, rate: S, term: () -> Double) -> (start: Double, end: Double) {
        model.zeroGradients()
        let start = term()
        for _ in 0..<steps {
            for i in model.parameters.indices { model.parameters[i] -= rate * model.gradients[i] }
            model.zeroGradients()
            _ = term()
        }
        model.zeroGradients()
        return (start, term())
    }
}
