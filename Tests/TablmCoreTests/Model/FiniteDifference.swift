@testable import TablmCore

/// Central differences of a function of a float64 model's parameters, for gradient checks.
enum FiniteDifference {
    /// (f(θ + h·e_i) − f(θ − h·e_i)) / 2h for parameter `index`; the parameter is restored.
    static func central(_ model: GPT2<Double>, at index: Int, step h: Double = 1e-6, of value: () -> Double) -> Double {
        let saved = model.parameters[index]
        model.parameters[index] = saved + h
        let plus = value()
        model.parameters[index] = saved - h
        let minus = value()
        model.parameters[index] = saved
        return (plus - minus) / (2 * h)
    }
}
