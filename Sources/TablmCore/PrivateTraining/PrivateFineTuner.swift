import Foundation

/// Settings of a differentially private fine-tuning run.
public struct DPSettings: Sendable {
    public var noiseMultiplier: Double
    public var clipNorm = 1.0
    /// Probability that a row joins a step (Poisson sampling); with `balance`, the largest group rate,
    /// which the accountant charges.
    public var sampleRate: Double
    /// Per-group rates for the sensitive column's groups (nil: every row at `sampleRate`).
    public var balance: GroupBalancedSampling?
    /// What the noisy gradient sum is divided by without `balance`: the rate times a released or
    /// public row count (nil: the rate times the rows given, for callers whose count is public).
    public var expectedBatchSize: Double?
    public var steps: Int
    /// Rows processed together; the clipped sum is the same whatever this is.
    public var microBatch = 32
    public var learningRate = 1e-3
    public var warmupSteps = 20
    public var adam = AdamW.Settings()
    /// Decay of the parameter average that is saved (`ParameterAverage`: post-processing of the
    /// iterates, no privacy cost); nil: the iterate itself.
    public var averageDecay: Double?
    /// Seed of the column orders (data-independent randomness; not the noise).
    public var seed: UInt64 = 0
    /// Cores the micro-batches are dealt to; the clipped sum does not depend on it.
    public var workers = ModelWorkers.defaultCount
    /// The parameters DP-SGD trains (nil: all). The rest is frozen: out of the clipping norm, the sum,
    /// the noise and the update. The noise's norm grows with the square root of the dimensions it
    /// covers while a row's clipped signal does not, so fewer trained parameters mean less noise per
    /// step (Yu et al. 2022, "Differentially private fine-tuning of language models").
    public var trainable: Range<Int>?

    public init(noiseMultiplier: Double, sampleRate: Double, steps: Int) {
        self.noiseMultiplier = noiseMultiplier
        self.sampleRate = sampleRate
        self.steps = steps
    }
}

/// What a private step reports. Deliberately nothing computed from the rows (no loss, no norms, no
/// token counts): under DP only the accounted mechanism's output, the model, may leave the process.
public struct PrivateProgress: Sendable {
    public var step: Int
    public var totalSteps: Int
    public var epsilon: Double
    public var stepsPerSecond: Double
}

/// DP-SGD (Abadi et al. 2016) at the level of one table row:
/// 1. Poisson sampling: each row joins the step independently with probability q (an empty batch is
///    a valid step: the update is noise alone), or with its group's rate q_g ≤ q under
///    `GroupBalancedSampling`;
/// 2. each row's gradient (its mean token loss) is clipped to L2 norm C over all parameters together,
///    with norms from the ghost-norm / book-keeping backward pass (`PerExampleGradientSink`);
/// 3. Gaussian noise N(0, σ²C²) is added to the sum of clipped gradients, which is divided by the
///    expected batch size (qN, or Σ q_g ñ_g from the released group counts: public either way);
/// 4. an optional fairness term on probe prompts adds its gradient, and AdamW updates the model
///    (both post-processing: no privacy cost);
/// 5. the accountant records (σ, q) for the step.
/// Noise and sampling draw from a cryptographically secure generator.
public final class PrivateFineTuner {
    public let model: GPT2<Float>
    public let batcher: RowBatcher
    public let settings: DPSettings
    public let optimizer: AdamW
    public let schedule: LearningRateSchedule
    /// The average checkpointed and left in the model when `run` returns (nil: the iterate).
    public let average: ParameterAverage?
    public private(set) var accountant: PrivacyAccountant
    private let workers: ModelWorkers
    /// A demographic-parity term on probe prompts, added after clipping and noise (it reads no rows).
    public let fairness: TrainingTerm?
    private let rows: [Row]
    private var random: GaussianSampler<ChaCha20Generator>
    private var noise: GaussianNoise
    /// Each row's sampling rate when groups are balanced.
    private let rowRates: [Double]?
    /// What the noisy gradient sum is divided by.
    private let expectedBatchSize: Double

    public init(model: GPT2<Float>, batcher: RowBatcher, rows: [Row], settings: DPSettings, generator: ChaCha20Generator,
                accountant: PrivacyAccountant = PrivacyAccountant(), fairness: TrainingTerm? = nil) {
        self.fairness = fairness
        precondition(settings.sampleRate > 0 && settings.sampleRate <= 1 && settings.clipNorm > 0 && settings.noiseMultiplier >= 0)
        self.model = model
        self.batcher = batcher
        self.settings = settings
        self.rows = rows
        self.accountant = accountant
        if let balance = settings.balance {
            precondition(settings.sampleRate == balance.maxRate, "the accountant must charge the largest group rate")
            rowRates = balance.rowRates(rows)
            expectedBatchSize = max(balance.expectedBatchSize, 1)   // noisy counts can all be ≤ 0 on tiny tables
        } else {
            rowRates = nil
            expectedBatchSize = max(settings.expectedBatchSize ?? settings.sampleRate * Double(rows.count), 1)
        }
        var generator = generator
        noise = GaussianNoise(generator: &generator, streams: settings.workers)
        random = GaussianSampler(generator: generator)
        optimizer = AdamW(layout: model.layout, settings: settings.adam)
        schedule = LearningRateSchedule(peak: settings.learningRate, warmupSteps: settings.warmupSteps, totalSteps: settings.steps)
        workers = ModelWorkers(model: model, count: settings.workers)
        average = settings.averageDecay.map { ParameterAverage(parameters: model.parameters, decay: $0) }
    }

    var rowsForTesting: [Row] { rows }

    /// Rows of one step, by Poisson sampling.
    func sample() -> [Int] {
        var chosen: [Int] = []
        if let rowRates {
            for index in rows.indices where random.uniform() < rowRates[index] { chosen.append(index) }
        } else {
            for index in rows.indices where random.uniform() < settings.sampleRate { chosen.append(index) }
        }
        return chosen
    }

    /// The micro-batches of the rows `indices`, each row's loss the weighted mean over its own
    /// tokens (the target's weighted `batcher.targetWeight`), so that its gradient does not depend
    /// on the other rows.
    func microBatches(of indices: [Int], step: Int) throws -> [TokenBatch] {
        try stride(from: 0, to: indices.count, by: settings.microBatch).map { start in
            let chunk = indices[start..<min(indices.count, start + settings.microBatch)]
            return try batcher.trainingBatch(chunk.map { (rows[$0], $0) }, step: step, seed: settings.seed, eachRowAlone: true)
        }
    }

    /// Leaves the privatized gradient of step `step` in the model's gradient buffer:
    /// (Σ clipped row gradients + N(0, σ²C²)) / (expected batch size). Returns how many rows were sampled.
    @discardableResult
    func privatizedGradient(step: Int) throws -> Int {
        let chosen = sample()
        workers.clippedGradientSum(try microBatches(of: chosen, step: step), clipNorm: settings.clipNorm, trainable: settings.trainable)
        let trained = settings.trainable ?? 0..<model.gradients.count
        noise.add(to: UnsafeMutableBufferPointer(rebasing: model.gradients[trained]), standardDeviation: settings.noiseMultiplier * settings.clipNorm,
                  scale: 1 / expectedBatchSize)
        // Post-processing of the privatized gradient: the fairness term depends on the parameters only
        // (its contexts, too, are rows the model generates).
        try fairness?.prepare(step: step)
        fairness?.addGradient(to: model)
        for range in [0..<trained.lowerBound, trained.upperBound..<model.gradients.count] {
            UnsafeMutableBufferPointer(rebasing: model.gradients[range]).update(repeating: 0)
        }
        accountant.record(noiseMultiplier: settings.noiseMultiplier, sampleRate: settings.sampleRate)
        return chosen.count
    }

    /// One DP-SGD step (0-based `step`).
    public func step(_ step: Int) throws {
        try privatizedGradient(step: step)
        // Frozen parameters keep their values bit for bit: neither weight decay nor the average touches them.
        optimizer.update(parameters: model.parameters, gradients: UnsafeBufferPointer(model.gradients), rate: schedule.rate(at: step),
                         range: settings.trainable)
        average?.update(from: model.parameters, range: settings.trainable)
    }

    /// Runs steps `startStep ..< settings.steps`; checkpoints (and, when `run` returns, the model)
    /// hold the average when there is one.
    public func run(startStep: Int = 0, delta: Double, reportEvery: Int, progress: (PrivateProgress) -> Void,
                    checkpoint: (Int) throws -> Void) throws {
        defer { average?.settle(in: model.parameters) }
        var started = DispatchTime.now().uptimeNanoseconds
        var stepsSinceReport = 0
        for index in startStep..<settings.steps {
            try step(index)
            stepsSinceReport += 1
            let done = index + 1
            if done % reportEvery == 0 || done == settings.steps {
                let now = DispatchTime.now().uptimeNanoseconds
                progress(PrivateProgress(step: done, totalSteps: settings.steps, epsilon: accountant.epsilon(delta: delta),
                                         stepsPerSecond: Double(stepsSinceReport) / (Double(now - started) / 1e9)))
                started = now
                stepsSinceReport = 0
            }
            if done % max(reportEvery * 10, 1) == 0 || done == settings.steps {
                try average.withAverage(in: model.parameters) { try checkpoint(done) }
            }
        }
    }
}
