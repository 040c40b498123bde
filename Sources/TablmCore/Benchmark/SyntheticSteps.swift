/// Training steps on random tokens at a model's shapes: a plain step (loss and gradient, clipped,
/// AdamW) and a DP-SGD step as `PrivateFineTuner` takes it (per-row clipped sum over micro-batches
/// dealt to the workers, Gaussian noise, AdamW). Their speed is the run's: the cost of a step depends on the
/// shapes, not on the tokens. `TrainingBenchmark` and `StepTiming` time them.
final class SyntheticSteps {
    let model: GPT2<Float>
    let workers: ModelWorkers
    let whole: TokenBatch
    let microBatches: [TokenBatch]
    let optimizer: AdamW
    var noise: GaussianNoise

    /// `microBatch`: rows of a DP-SGD step processed at once, as a run's `--micro-batch` (nil: one
    /// micro-batch a worker, `tablm bench`'s figures).
    init(config: GPT2Config, batch: Int, length: Int, workers workerCount: Int, microBatch: Int? = nil) {
        precondition(batch >= 1 && (1...config.contextLength).contains(length) && (microBatch ?? 1) >= 1)
        model = GPT2<Float>(config: config)
        model.initializeParameters(seed: 0)
        workers = ModelWorkers(model: model, count: workerCount)
        let rows = batch * length, v = config.vocabularySize
        var generator = SplitMix64(seed: 1)
        let tokens = (0..<rows).map { _ in Int32.random(in: 0..<Int32(v), using: &generator) }
        let targets = (0..<rows).map { _ in Int32.random(in: 0..<Int32(v), using: &generator) }
        whole = TokenBatch(tokens: tokens, targets: targets, weights: [Float](repeating: 1 / Float(rows), count: rows),
                           batch: batch, length: length, validTokens: rows)
        optimizer = AdamW(layout: model.layout)
        let whole = whole
        let parts = microBatch.map { size in stride(from: 0, to: batch, by: size).map { $0..<min(batch, $0 + size) } }
            ?? workers.shares(of: batch).filter { !$0.isEmpty }
        microBatches = parts.map { rows -> TokenBatch in
            var part = whole.rows(Array(rows), length: length)
            part.weights = [Float](repeating: 1 / Float(length), count: part.weights.count)   // each row's own mean
            return part
        }
        var secure = ChaCha20Generator()
        noise = GaussianNoise(generator: &secure, streams: workers.count)
    }

    func plainSteps(_ steps: Int) {
        for _ in 0..<steps {
            workers.lossAndGradient(whole)
            GradientClipping.clip(model.gradients, maximum: 1)
            optimizer.update(parameters: model.parameters, gradients: UnsafeBufferPointer(model.gradients), rate: 1e-4)
        }
    }

    func privateSteps(_ steps: Int) {
        for _ in 0..<steps {
            workers.clippedGradientSum(microBatches, clipNorm: 1)
            addNoise()
            optimizer.update(parameters: model.parameters, gradients: UnsafeBufferPointer(model.gradients), rate: 1e-4)
        }
    }

    func addNoise() {
        noise.add(to: model.gradients, standardDeviation: 1, scale: 1 / Double(whole.batch))
    }
}
