extension ModelWorkers {
    /// DP-SGD's clipped sum: Σ_b min(1, C/‖g_b‖)·g_b over every row of `microBatches` (each row's
    /// loss weighted by the caller), with per-row norms from the ghost-norm pass. Micro-batches are
    /// dealt round-robin to the workers; the sum is left in the model's (zeroed) gradient buffer.
    /// With `trainable`, norms and sum cover the tensors that start in it; the rest stays zero.
    public func clippedGradientSum(_ microBatches: [TokenBatch], clipNorm: Double, trainable: Range<Int>? = nil) {
        model.zeroGradients()
        parallel { worker, part in
            for index in stride(from: part, to: microBatches.count, by: workers.count) {
                let batch = microBatches[index]
                worker.loss(tokens: batch.tokens, targets: batch.targets, weights: batch.weights, batch: batch.batch, length: batch.length)
                let (norms, addWeightedSum) = worker.perExampleGradients(trainable: trainable)
                addWeightedSum(norms.map { Float(min(1, clipNorm / max($0, 1e-12))) })
            }
        }
        gatherGradients()
    }
}
