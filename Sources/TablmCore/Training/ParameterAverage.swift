/// An exponential moving average of the parameters, the model that is scored, saved and sampled
/// (Polyak & Juditsky 1992, "Acceleration of stochastic approximation by averaging"; the form of
/// TensorFlow's `ExponentialMovingAverage` with `num_updates`, whose decay min(β, (1 + t)/(10 + t))
/// lets the first steps' weights fade instead of anchoring the average). The last steps of a run
/// leave their gradient noise in the iterate, and that noise shows as error in the rows'
/// marginals; the average carries less of it. Under DP the average is a function of the released
/// iterates only: post-processing, no privacy cost (De et al. 2022, "Unlocking high-accuracy
/// differentially private image classification through scale", use it the same way).
///
/// It lives beside the model's one parameter buffer as a second flat buffer. `exchange(with:)`
/// swaps the two, so that the model holds the average while it is scored or saved and the iterate
/// waits here (`modelHoldsAverage`); the next update needs the iterate back.
public final class ParameterAverage {
    /// The largest decay β; 0 keeps no history (the average is the iterate).
    public let decay: Double
    /// Updates folded in so far.
    public private(set) var updates = 0
    /// The average, or the iterate while the model holds the average.
    public private(set) var other: [Float]
    public private(set) var modelHoldsAverage = false

    /// Starts the average at the current parameters.
    public init(parameters: UnsafeMutableBufferPointer<Float>, decay: Double) {
        precondition(decay >= 0 && decay < 1)
        self.decay = decay
        other = Array(parameters)
    }

    /// The decay of update `t` (1-based).
    public static func decay(_ decay: Double, update t: Int) -> Double {
        min(decay, Double(1 + t) / Double(10 + t))
    }

    /// Folds the iterate in after an optimizer step: average ← β_t · average + (1 − β_t) · iterate,
    /// over `range` only when given (DP-SGD's trained parameters: the frozen ones, equal in both, would
    /// otherwise drift by rounding).
    public func update(from parameters: UnsafeMutableBufferPointer<Float>, range: Range<Int>? = nil) {
        precondition(!modelHoldsAverage && parameters.count == other.count, "the model must hold the iterate")
        updates += 1
        let beta = Float(Self.decay(decay, update: updates)), keep = 1 - beta
        other.withUnsafeMutableBufferPointer { average in
            for i in range ?? 0..<average.count { average[i] = beta * average[i] + keep * parameters[i] }
        }
    }

    /// Swaps the model's parameters with the buffer held here.
    public func exchange(with parameters: UnsafeMutableBufferPointer<Float>) {
        precondition(parameters.count == other.count)
        other.withUnsafeMutableBufferPointer { held in
            for i in 0..<held.count { (held[i], parameters[i]) = (parameters[i], held[i]) }
        }
        modelHoldsAverage.toggle()
    }

    /// Runs `body` with the average in the model, then puts the iterate back.
    public func withAverage<T>(in parameters: UnsafeMutableBufferPointer<Float>, _ body: () throws -> T) rethrows -> T {
        exchange(with: parameters)
        defer { exchange(with: parameters) }
        return try body()
    }

    /// Leaves the average in the model for good (the end of a run).
    public func settle(in parameters: UnsafeMutableBufferPointer<Float>) {
        if !modelHoldsAverage { exchange(with: parameters) }
    }

    /// Resumes from a checkpoint: the model was loaded with the saved average; `iterate` is the
    /// saved iterate, which goes back into the model.
    public func restore(iterate: [Float], updates: Int, parameters: UnsafeMutableBufferPointer<Float>) {
        precondition(iterate.count == other.count && updates >= 0)
        other = Array(parameters)
        iterate.withUnsafeBufferPointer { parameters.baseAddress!.update(from: $0.baseAddress!, count: $0.count) }
        self.updates = updates
        modelHoldsAverage = false
    }
}

extension Optional where Wrapped == ParameterAverage {
    /// Runs `body` with the average in the model when there is one, else with the model as it is,
    /// so that trainers with and without averaging share one path.
    public func withAverage<T>(in parameters: UnsafeMutableBufferPointer<Float>, _ body: () throws -> T) rethrows -> T {
        guard let average = self else { return try body() }
        return try average.withAverage(in: parameters, body)
    }
}
