/// Softmax and cross-entropy fused over the vocabulary, in place: logits become probabilities, and
/// the backward turns them into gradients. A position's loss counts with its weight (0 for padding).
enum CrossEntropyKernel {
    /// Replaces each row of logits by its softmax; writes −log p(target) to losses (0 where the weight is 0).
    static func forward<S: ModelScalar>(probabilities logits: UnsafeMutablePointer<S>, losses: UnsafeMutablePointer<S>,
                                        targets: UnsafePointer<Int32>, weights: UnsafePointer<S>, rows: Int, vocabulary v: Int) {
        for row in 0..<rows {
            let z = logits + row * v
            SoftmaxKernel.normalize(z, count: v)
            losses[row] = weights[row] == 0 ? 0 : -S.log(z[Int(targets[row])])
        }
    }

    /// probabilities → dlogits = weight · (p − onehot(target)).
    static func backward<S: ModelScalar>(probabilities: UnsafeMutablePointer<S>, targets: UnsafePointer<Int32>,
                                         weights: UnsafePointer<S>, rows: Int, vocabulary v: Int) {
        for row in 0..<rows {
            let z = probabilities + row * v
            let w = weights[row]
            if w == 0 {
                z.update(repeating: 0, count: v)
                continue
            }
            for i in 0..<v { z[i] *= w }
            z[Int(targets[row])] -= w
        }
    }
}
