/// Clipping of the whole gradient to a maximum L2 norm (Pascanu et al. 2013), over the flat buffer.
public enum GradientClipping {
    public static func norm<S: ModelScalar>(_ gradients: UnsafeBufferPointer<S>) -> Double {
        var sum = 0.0
        for g in gradients { sum += Double(g) * Double(g) }
        return sum.squareRoot()
    }

    /// Scales the gradients so their norm is at most `maximum`; returns the norm before clipping.
    @discardableResult
    public static func clip<S: ModelScalar>(_ gradients: UnsafeMutableBufferPointer<S>, maximum: Double) -> Double {
        let total = norm(UnsafeBufferPointer(gradients))
        if total > maximum && total > 0 {
            let scale = S(maximum / total)
            for i in gradients.indices { gradients[i] *= scale }
        }
        return total
    }
}
