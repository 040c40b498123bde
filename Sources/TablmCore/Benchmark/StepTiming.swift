/// Seconds a training step takes on this machine at a run's shapes, measured on random tokens before
/// any row is read: a plain step of the prior stage's batch and a DP-SGD step of the expected batch
/// (per-row clipping, noise). A run's batches are as long as its longest row, near the context the
/// schema sizes, so the context is the length measured. `TimeBudget` sizes the prior stage by it.
public struct StepTiming: Sendable, Equatable {
    public var priorStep: Double
    public var privateStep: Double

    public init(priorStep: Double, privateStep: Double) {
        precondition(priorStep.isFinite && priorStep > 0 && privateStep.isFinite && privateStep > 0)
        self.priorStep = priorStep
        self.privateStep = privateStep
    }

    /// One warm-up step of each kind, then the median of `steps` timed ones (a burst of other load
    /// moves one step, not the median). About 5 s on Adult's shapes on the 2-core machine.
    /// DP-SGD's rows go through in micro-batches of `microBatch`, as in the run (its memory too).
    public static func measure(config: GPT2Config, priorBatch: Int, privateBatch: Int, microBatch: Int, workers: Int, steps: Int = 5) -> StepTiming {
        precondition(steps >= 1)
        // BLAS threads stay as the run has them: ModelWorkers sets one a worker, as in the run.
        func median(_ synthetic: SyntheticSteps, _ step: (SyntheticSteps) -> Void) -> Double {
            step(synthetic)
            let times = (0..<steps).map { _ in TrainingBenchmark.seconds { step(synthetic) } }
            return max(TrainingBenchmark.median(times), 1e-9)
        }
        let length = config.contextLength
        let prior = median(SyntheticSteps(config: config, batch: priorBatch, length: length, workers: workers)) { $0.plainSteps(1) }
        let dp = median(SyntheticSteps(config: config, batch: privateBatch, length: length, workers: workers, microBatch: microBatch)) { $0.privateSteps(1) }
        return StepTiming(priorStep: prior, privateStep: dp)
    }
}
