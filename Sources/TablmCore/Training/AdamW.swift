/// AdamW (Loshchilov & Hutter 2019, "Decoupled Weight Decay Regularization") over the model's flat
/// parameter buffer. Weight decay applies to matrices only (embeddings and linear weights), not to
/// biases or LayerNorm parameters. Moments are flat buffers parallel to the parameters.
public final class AdamW {
    public struct Settings: Codable, Sendable, Equatable {
        public var beta1 = 0.9
        public var beta2 = 0.95
        public var epsilon = 1e-8
        public var weightDecay = 0.1
        public init() {}
    }

    public let settings: Settings
    public private(set) var step = 0
    public private(set) var firstMoment: [Float]
    public private(set) var secondMoment: [Float]
    private let decays: [Bool]

    public init(layout: ParameterLayout, settings: Settings = Settings()) {
        self.settings = settings
        firstMoment = [Float](repeating: 0, count: layout.count)
        secondMoment = [Float](repeating: 0, count: layout.count)
        var decays = [Bool](repeating: false, count: layout.count)
        for tensor in layout.tensors where tensor.isMatrix {
            for i in tensor.offset..<tensor.offset + tensor.count { decays[i] = true }
        }
        self.decays = decays
    }

    /// Restores optimizer state saved with a checkpoint (for resuming).
    public func restore(step: Int, firstMoment: [Float], secondMoment: [Float]) {
        precondition(firstMoment.count == self.firstMoment.count && secondMoment.count == self.secondMoment.count)
        self.step = step
        self.firstMoment = firstMoment
        self.secondMoment = secondMoment
    }

    /// One update with learning rate `rate`, of the parameters in `range` only when given (DP-SGD's
    /// trained ones: the rest keep their values and moments, weight decay included).
    public func update(parameters: UnsafeMutableBufferPointer<Float>, gradients: UnsafeBufferPointer<Float>, rate: Double,
                       range: Range<Int>? = nil) {
        step += 1
        let b1 = Float(settings.beta1), b2 = Float(settings.beta2)
        let correction1 = Float(1 - Double.pow(settings.beta1, Double(step)))
        let correction2 = Float(1 - Double.pow(settings.beta2, Double(step)))
        let lr = Float(rate), eps = Float(settings.epsilon), decay = Float(settings.weightDecay)
        firstMoment.withUnsafeMutableBufferPointer { m in
            secondMoment.withUnsafeMutableBufferPointer { v in
                decays.withUnsafeBufferPointer { decays in
                    for i in range ?? 0..<parameters.count {
                        let g = gradients[i]
                        m[i] = b1 * m[i] + (1 - b1) * g
                        v[i] = b2 * v[i] + (1 - b2) * g * g
                        let mHat = m[i] / correction1
                        let vHat = v[i] / correction2
                        var change = mHat / (vHat.squareRoot() + eps)
                        if decays[i] { change += decay * parameters[i] }
                        parameters[i] -= lr * change
                    }
                }
            }
        }
    }
}
