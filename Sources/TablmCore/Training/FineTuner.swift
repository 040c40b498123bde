import Foundation

/// Settings of a (non-private) fine-tuning run.
public struct FineTuneSettings: Sendable {
    public var steps = 300
    public var batchSize = 32
    public var learningRate = 1e-3
    public var warmupSteps = 20
    public var clipNorm = 1.0
    public var seed: UInt64 = 0
    public var evaluateEvery = 100
    public var adam = AdamW.Settings()
    /// Cores to split each batch over (the model plus replicas); the result does not depend on it
    /// beyond floating-point summation order.
    public var workers = ModelWorkers.defaultCount
    public init() {}
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
    private let workers: ModelWorkers
    private let train: [Row]
    private let heldOut: [Row]
    public private(set) var tokensSeen = 0
    public private(set) var lastLoss: Double?

    /// A demographic-parity term added to the loss (`FairnessRegularizer`), or nil.
    public let fairness: FairnessRegularizer?

    public init(model: GPT2<Float>, batcher: RowBatcher, train: [Row], heldOut: [Row], settings: FineTuneSettings,
                fairness: FairnessRegularizer? = nil) {
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

    /// Mean token loss on the held-out rows (schema column order varies per row, fixed by the seed).
    public func heldOutLoss() throws -> Double? {
        guard !heldOut.isEmpty else { return nil }
        var total = 0.0, tokens = 0
        for start in stride(from: 0, to: heldOut.count, by: settings.batchSize) {
            let rows = heldOut[start..<min(heldOut.count, start + settings.batchSize)]
            let sequences = try rows.enumerated().map { offset, row in
                try batcher.sequence(row, order: batcher.serializer.columnOrder(seed: settings.seed &+ 1, rowIndex: start + offset))
            }
            let batch = batcher.batch(sequences)
            let unweighted = batch.weights.map { $0 > 0 ? Float(1) : 0 }
            total += Double(model.loss(tokens: batch.tokens, targets: batch.targets, weights: unweighted, batch: batch.batch, length: batch.length))
            tokens += batch.validTokens
        }
        return total / Double(tokens)
    }

    /// Runs steps `startStep ..< settings.steps`, reporting each; `checkpoint` is called every
    /// `evaluateEvery` steps and at the end.
    public func run(startStep: Int = 0, progress: (TrainingProgress) -> Void, checkpoint: (Int) throws -> Void = { _ in }) throws {
        for step in startStep..<settings.steps {
            let started = DispatchTime.now().uptimeNanoseconds
            let sequences = try rowIndices(step: step).map { index in
                try batcher.trainingSequence(train[index], rowIndex: index, step: step, seed: settings.seed)
            }
            let batch = batcher.batch(sequences)
            let loss = workers.lossAndGradient(batch)
            try fairness?.prepare(step: step)
            let fairnessValue = fairness?.addGradient(to: model)
            let norm = GradientClipping.clip(model.gradients, maximum: settings.clipNorm)
            let rate = schedule.rate(at: step)
            optimizer.update(parameters: model.parameters, gradients: UnsafeBufferPointer(model.gradients), rate: rate)
            tokensSeen += batch.validTokens
            lastLoss = loss
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            let last = step + 1 == settings.steps
            let evaluate = last || (settings.evaluateEvery > 0 && (step + 1) % settings.evaluateEvery == 0)
            progress(TrainingProgress(step: step + 1, totalSteps: settings.steps, loss: loss, learningRate: rate, gradientNorm: norm,
                                      tokensPerSecond: Double(batch.validTokens) / seconds,
                                      heldOutLoss: evaluate ? try heldOutLoss() : nil, fairness: fairnessValue))
            if evaluate { try checkpoint(step + 1) }
        }
    }
}
