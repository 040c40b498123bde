import Foundation

extension FinetuneRun {
    /// Refuses, before the tokenizer is trained, a row read or any ε spent, a run whose model and step
    /// no memory holds (`TrainingMemory`), from the options alone. What the tokenizer and the rows
    /// decide is bounded below, so that nothing that fits is refused: the vocabulary by 1, a row by one
    /// token a column and `<s>`, a new model's blocks and batch by the recipe's smaller choice; a
    /// checkpoint resumed or adapted gives its own shape (its config.json, read alone).
    func requireMemory(columns: Int) throws {
        guard let folder = request.resume ?? request.initFrom else {
            let layers = request.layers ?? (request.privacy == nil ? min(TrainingRecipe.largeTableLayers, TrainingRecipe.smallTableLayers) : TrainingRecipe.privateLayers)
            let config = GPT2Config(vocabularySize: 1, contextLength: request.context ?? columns + 1, width: request.width, layers: layers, heads: request.heads)
            if let problem = config.problem { throw OptionError(problem) }   // the model the tokenizer sizes is no smaller
            return try requireMemory(config: config, length: columns + 1, large: nil)
        }
        // A folder without a readable config is refused, naming what is wrong, when it is loaded.
        guard var config = try? Checkpoint.loadConfig(path: URL(fileURLWithPath: folder).appendingPathComponent("config.json").path) else { return }
        if request.resume == nil {
            config.vocabularySize = 1
            config.contextLength = request.context ?? config.contextLength
        }
        try requireMemory(config: config, length: columns + 1, large: nil)
    }

    /// The same check once the tokenizer (and, without --dp, the rows) fixed the model's shape, before
    /// it is allocated: `length` tokens a row, `large` the recipe's table size (nil: not known, the
    /// smaller batch). The model is named by the options that shaped it, or by the checkpoint it came from.
    func requireMemory(config: GPT2Config, length: Int, large: Bool?) throws {
        let (rows, stepOptions) = rowsAtOnce(large: large)
        let decay = request.averageDecay ?? (request.resume == nil ? TrainingRecipe.defaultAverageDecay : 0)
        let checkpoint = request.resume.map { "--resume \($0)" } ?? request.initFrom.map { "--init-from \($0)" }
        let modelOptions = checkpoint.map { "\($0) (width \(config.width), \(config.layers) layers)" } ?? "--width \(config.width) --layers \(config.layers)"
        try TrainingMemory(config: config, rows: rows, length: min(length, config.contextLength), workers: request.workers, keepsAverage: decay > 0)
            .require(modelOptions: modelOptions, stepOptions: stepOptions)
    }

    /// Rows whose activations a step holds at once, and the options that set them: a non-private
    /// step's batch; under --dp the workers' micro-batches (at most the expected batch), or the
    /// prior's batch when it trains on more.
    func rowsAtOnce(large: Bool?) -> (rows: Int, options: String) {
        guard let privacy = request.privacy else {
            let batch = request.batchSize ?? large.map(TrainingRecipe.batchSize)
                ?? min(TrainingRecipe.largeTableBatchSize, TrainingRecipe.smallTableBatchSize)
            return (batch, "--batch-size \(batch)")
        }
        let perStep = min(request.workers * privacy.microBatch, privacy.expectedBatchSize)
        if request.resume == nil, let prior = privacy.prior, prior.batchSize > perStep {
            return (prior.batchSize, "--prior-batch-size \(prior.batchSize)")
        }
        return (perStep, "--micro-batch \(privacy.microBatch) × --workers \(request.workers)")
    }
}
