import Foundation

/// Settings of a (non-private) fine-tuning run. The run's length, batch and rate have no defaults
/// here: `TrainingRecipe` chooses them (by table size), and `FinetuneRun` sets every field.
public struct FineTuneSettings: Sendable {
    public var steps: Int
    public var batchSize: Int
    public var learningRate: Double
    public var warmupSteps = 20
    public var clipNorm = 1.0
    public var seed: UInt64 = 0
    /// Steps between held-out scores (0: only at the end).
    public var evaluateEvery = 0
    /// Early stopping: stop after this many held-out evaluations in a row without a new best, and
    /// checkpoint only at a new best (so the saved model is the best one seen). nil: checkpoint at
    /// every evaluation and run all steps.
    public var patience: Int?
    public var adam = AdamW.Settings()
    /// Decay of the parameter average that is scored and saved (`ParameterAverage`); nil: the
    /// iterate itself.
    public var averageDecay: Double?
    /// Cores to split each batch over (the model plus replicas); the result does not depend on it
    /// beyond floating-point summation order.
    public var workers = ModelWorkers.defaultCount

    public init(steps: Int, batchSize: Int, learningRate: Double) {
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
    }
}

/// What one step reports to the caller (the CLI prints it; the library prints nothing).
public struct TrainingProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var loss: Double
    public var learningRate: Double
    public var gradientNorm: Double
    public var tokensPerSecond: Double
    public var heldOutLoss: Double?
    /// Passes over the training rows so far (step × batch / rows).
    public var epoch: Double
    /// The fairness term's value at this step (nil without one).
    public var fairness: Double?
}

/// Fine-tunes a GPT-2 on row text with AdamW: each step draws `batchSize` rows (epochs of a seeded
/// shuffle), writes each in a fresh random column order, and takes one clipped AdamW step on the mean
/// token loss. Batches depend only on (seed, step), so a run resumed from a checkpoint continues
/// with exactly the batches it would have seen.
public final class FineTuner {
    public let model: GPT2<Float>
    public let batcher: RowBatcher
    public let settings: FineTuneSettings
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// The average scored, checkpointed and left in the model when `run` returns (nil: the iterate).
    public let average: ParameterAverage?
    private let workers: ModelWorkers
    private let train: [Row]
    private let heldOut: [Row]
    public private(set) var tokensSeen = 0
    public private(set) var lastLoss: Double?
    /// The lowest held-out loss seen at an evaluation, and its step (1-based).
    /// A resumed run sets it from its checkpoint, so only a better model overwrites that one.
    public var best: (step: Int, heldOutLoss: Double)?
    /// The latest held-out score, so a checkpoint written at that step records it without scoring again.
    public private(set) var latestHeldOut: (step: Int, heldOutLoss: Double)?
    /// Whether the last `run` ended before `settings.steps` because the held-out loss stopped improving.
    public private(set) var stoppedEarly = false

    /// A demographic-parity term added to the loss (`FairnessRegularizer`), or nil.
    public let fairness: TrainingTerm?

    public init(model: GPT2<Float>, batcher: RowBatcher, train: [Row], heldOut: [Row], settings: FineTuneSettings,
                fairness: TrainingTerm? = nil) {
        self.fairness = fairness
        precondition(!train.isEmpty, "no training rows")
        self.model = model
        self.batcher = batcher
        self.settings = settings
        self.train = train
        self.heldOut = heldOut
        optimizer = AdamW(layout: model.layout, settings: settings.adam)
        schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps, totalSteps: settings.steps)
        workers = ModelWorkers(model: model, count: settings.workers)
        average = settings.averageDecay.map { ParameterAverage(parameters: model.parameters, decay: $0) }
    }

    /// The rows of step `step`: consecutive slices of per-epoch seeded permutations.
    func rowIndices(step: Int) -> [Int] {
        let n = train.count
        var indices: [Int] = []
        var position = step * settings.batchSize
        while indices.count < settings.batchSize {
            let epoch = position / n
            var generator = SplitMix64(seed: settings.seed, stream: UInt64(epoch) &+ 0xE90C)
            let permutation = Array(0..<n).shuffled(using: &generator)
            let start = position % n
            let take = min(settings.batchSize - indices.count, n - start)
            indices += permutation[start..<start + take]
            position += take
        }
        return indices
    }

    /// Mean token loss of the model's current parameters on the held-out rows (schema column order
    /// varies per row, fixed by the seed).
    public func heldOutLoss() throws -> Double? {
        guard !heldOut.isEmpty else { return nil }
        var total = 0.0, tokens = 0
        for start in stride(from: 0, to: heldOut.count, by: settings.batchSize) {
            let rows = heldOut[start..<min(heldOut.count, start + settings.batchSize)]
            let sequences = try rows.enumerated().map { offset, row in
                try batcher.sequence(row, order: batcher.order(seed: settings.seed &+ 1, use: start + offset))
            }
            var batch = batcher.batch(sequences)
            batch.weights = batch.weights.map { $0 > 0 ? Float(1) : 0 }
            total += workers.loss(batch)
            tokens += batch.validTokens
        }
        return total / Double(tokens)
    }

    /// Runs steps `startStep ..< settings.steps`, reporting each; `checkpoint` is called every
    /// `evaluateEvery` steps and at the end, or, with `settings.patience` and held-out rows, only
    /// when the held-out loss reaches a new best (early stopping keeps the best model: Prechelt 1998,
    /// "Early stopping — but when?"). With averaging, scores and checkpoints see the average, and
    /// the model holds it when `run` returns.
    public func run(startStep: Int = 0, progress: (TrainingProgress) -> Void, checkpoint: (Int) throws -> Void = { _ in }) throws {
        stoppedEarly = false
        defer { average?.settle(in: model.parameters) }
        var sinceBest = 0
        for step in startStep..<settings.steps {
            let started = DispatchTime.now().uptimeNanoseconds
            let batch = try batcher.trainingBatch(rowIndices(step: step).map { (train[$0], $0) }, step: step, seed: settings.seed)
            let loss = workers.lossAndGradient(batch)
            // A diverged run stops here: its checkpoints would hold NaN, or (scored by a NaN held-out
            // loss that never beats the best) never be written under a line that says they were.
            guard loss.isFinite else {
                throw InputError("training diverged: the loss is \(loss) at step \(step + 1); lower --lr, or start from a model whose outputs are finite (nothing was saved after step \(step))")
            }
            try fairness?.prepare(step: step)
            let fairnessValue = fairness?.addGradient(to: model)
            let norm = GradientClipping.clip(model.gradients, maximum: settings.clipNorm)
            let rate = schedule.rate(at: step)
            optimizer.update(parameters: model.parameters, gradients: UnsafeBufferPointer(model.gradients), rate: rate)
            average?.update(from: model.parameters)
            tokensSeen += batch.validTokens
            lastLoss = loss
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let last = step + 1 == settings.steps
            let evaluate = last || (settings.evaluateEvery > 0 && (step + 1) % settings.evaluateEvery == 0)
            let heldOut = evaluate ? try average.withAverage(in: model.parameters) { try heldOutLoss() } : nil
            if let heldOut { latestHeldOut = (step + 1, heldOut) }
            progress(TrainingProgress(step: step + 1, totalSteps: settings.steps, loss: loss, learningRate: rate, gradientNorm: norm,
                                      tokensPerSecond: Double(batch.validTokens) / seconds, heldOutLoss: heldOut,
                                      epoch: Double((step + 1) * settings.batchSize) / Double(train.count), fairness: fairnessValue))
            guard evaluate else { continue }
            guard let patience = settings.patience, let heldOut else {
                try average.withAverage(in: model.parameters) { try checkpoint(step + 1) }
                continue
            }
            if heldOut < best?.heldOutLoss ?? .infinity {
                best = (step + 1, heldOut)
                sinceBest = 0
                try average.withAverage(in: model.parameters) { try checkpoint(step + 1) }
            } else {
                sinceBest += 1
                if sinceBest >= patience, !last {
                    stoppedEarly = true
                    return
                }
            }
        }
    }
}
