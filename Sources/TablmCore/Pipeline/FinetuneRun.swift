import Foundation

/// One fine-tuning run, from a table to a checkpoint folder, for both paths: without privacy (held-out
/// rows, early stopping) and, when the request has a privacy part, the marginal prior and DP-SGD under
/// one accountant (`FinetuneRun+Private`). What both share lives here: the serializer, resuming,
/// the tokenizer, the model, column orders, the fairness terms and saving. Nothing is printed: the
/// caller gets `FinetuneEvent`s.
public final class FinetuneRun {
    public let request: FinetuneRequest
    let events: (FinetuneEvent) -> Void

    public init(_ request: FinetuneRequest, events: @escaping (FinetuneEvent) -> Void = { _ in }) {
        self.request = request
        self.events = events
    }

    func message(_ text: String) { events(.message(text)) }

    /// A checkpoint this run continues.
    struct Resumed {
        var checkpoint: Checkpoint
        var serializer: RowSerializer { RowSerializer(schema: checkpoint.schema, template: checkpoint.template) }
        var record: TrainingRecord { checkpoint.record }
        var startStep: Int { checkpoint.record.steps }
    }

    /// `--steps` counts every step of the run, those of the checkpoint resumed included: a total at or
    /// below what is done leaves nothing to run and is refused before any work.
    func requireStepsBeyond(_ done: Int, total: Int?) throws {
        guard let total, request.resume != nil, total <= done else { return }
        throw OptionError("--steps \(total): the resumed checkpoint has run \(done) steps already; --steps counts them all, so give more than \(done)")
    }

    public func run() throws {
        try request.checkDestination()
        if let privacy = request.privacy { return try runPrivate(privacy) }
        var serializer = try RowSerializer.load(schema: request.schema, template: request.template)
        try requireMemory(columns: serializer.schema.columns.count)
        var record = TrainingRecord()
        let resumed = try request.resume.map { Resumed(checkpoint: try Checkpoint.load(folder: $0)) }
        if let resumed {
            // Continued without --dp, a private checkpoint's record would claim a guarantee its
            // weights no longer have (and it keeps no hash of the table to compare).
            guard resumed.record.privacy == nil else {
                throw OptionError("--resume \(request.resume!): this checkpoint was trained with --dp; continue it with --dp and its --epsilon")
            }
            try refuseWhatResumeIgnores(resumed.checkpoint, schema: serializer.schema)
            serializer = resumed.serializer
            record = resumed.record
            try requireStepsBeyond(resumed.startStep, total: request.steps)
        }
        // A resumed run keeps its seed, so its batches continue as they began.
        let seed = resumed?.record.seed ?? request.seed
        let startStep = resumed?.startStep ?? 0
        // A tokenizer given is checked against the schema before the table is read.
        let given = try request.tokenizer.map { try givenTokenizer($0, spelling: serializer.schema) }
        let table = try TableData.read(path: request.data, schema: serializer.schema)
        let (train, held) = table.split(heldOutFraction: request.heldOutShare, seed: seed)
        guard !train.isEmpty else { throw InputError("no training rows are left after holding out \(held.count)", at: SourceLocation(file: request.data)) }
        let large = TrainingRecipe.isLarge(trainingRows: train.count)
        let tokenizer = try resumed?.checkpoint.tokenizer ?? given ?? trainedTokenizer(serializer, large: large)
        let model: GPT2<Float>
        if let resumed {
            guard resumed.record.dataSHA256 == table.sha256 else {
                throw InputError("this is not the table the checkpoint was trained on (sha256 differs)", at: SourceLocation(file: request.data))
            }
            model = resumed.checkpoint.model
        } else {
            model = try makeModel(tokenizer: tokenizer, serializer: serializer, rows: table.rows,
                                  defaultLayers: TrainingRecipe.layers(large: large, privately: false), large: large, record: &record)
        }
        let batchSize = request.batchSize ?? TrainingRecipe.batchSize(large: large)
        let planned = TrainingRecipe.steps(epochs: request.epochs, trainingRows: train.count, batchSize: batchSize)
        let steps = request.steps ?? resumed?.record.schedule?.totalSteps ?? planned.steps
        // A resumed run keeps its schedule's peak rate unless told otherwise.
        var settings = FineTuneSettings(steps: steps, batchSize: batchSize,
                                        learningRate: request.learningRate ?? resumed?.record.schedule?.peak ?? TrainingRecipe.learningRate(large: large))
        settings.warmupSteps = request.warmupSteps
        settings.clipNorm = request.clipNorm
        settings.seed = seed
        settings.adam.weightDecay = request.weightDecay
        settings.workers = request.workers
        let patience = request.patience ?? TrainingRecipe.defaultPatience
        settings.patience = patience > 0 ? patience : nil
        settings.evaluateEvery = request.evaluateEvery ?? TrainingRecipe.evaluateEvery(stepsPerEpoch: planned.stepsPerEpoch)
        settings.averageDecay = averageDecay(resumed: resumed?.record)
        record.averageDecay = settings.averageDecay
        var batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: model.config.contextLength)
        try applyColumnOrders(to: &batcher, record: &record, resumed: resumed?.record)
        batcher.targetWeight = try targetWeight(schema: serializer.schema, resumed: resumed?.record)
        record.targetWeight = batcher.targetWeight == 1 ? nil : batcher.targetWeight
        let fairness = try fairnessTerm(model: model, serializer: serializer, tokenizer: tokenizer)
        record.fairness = fairnessRecord(fairness, schema: serializer.schema)
        try refuseAChangedFairnessTerm(record.fairness, resumed: resumed?.record)
        let tuner = FineTuner(model: model, batcher: batcher, train: train, heldOut: held, settings: settings, fairness: fairness)
        try restoreOptimizer(into: tuner.optimizer, average: tuner.average, model: model)
        record.dataSHA256 = table.sha256
        record.dataRows = train.count
        record.heldOutRows = held.count
        record.batchSize = batchSize
        record.schedule = tuner.schedule
        record.seed = settings.seed
        let baseTokens = record.tokensSeen ?? 0
        if resumed != nil, let loss = record.heldOutLoss { tuner.best = (startStep, loss) }

        message("finetune: \(model.parameterCount) parameters (\(model.config.layers) layers, width \(model.config.width), \(model.config.heads) heads, context \(model.config.contextLength)); \(train.count) training rows, \(held.count) held out; \(batcher.length) tokens per sequence; \(steps) steps of \(batchSize) rows (\(String(format: "%.1f", Double(steps) / Double(planned.stepsPerEpoch))) epochs)\(settings.patience.map { ", early stopping after \($0) held-out scores without a new best" } ?? ""); OpenBLAS \(BLASInfo.coreName)")
        try requireStepsBeyond(startStep, total: steps)
        let reportEvery = max(1, steps / 50)
        events(.stageStarted(.training, startStep: startStep, totalSteps: steps))
        try tuner.run(startStep: startStep, progress: { p in
            guard p.step % reportEvery == 0 || p.heldOutLoss != nil || p.step == startStep + 1 else { return }
            events(.step(.training, p))
        }, checkpoint: { step in
            record.steps = step
            record.tokensSeen = baseTokens + tuner.tokensSeen
            record.trainLoss = tuner.lastLoss
            record.heldOutLoss = try tuner.latestHeldOut.flatMap { $0.step == step ? $0.heldOutLoss : nil } ?? tuner.heldOutLoss()
            try save(model: model, tokenizer: tokenizer, serializer: serializer, record: record, optimizer: tuner.optimizer, average: tuner.average)
        })
        if tuner.stoppedEarly, let best = tuner.best {
            message(String(format: "finetune: stopped early: no new best held-out loss in %d scores; the checkpoint is step %d (held-out %.4f)",
                           patience, best.step, best.heldOutLoss))
        } else if let best = tuner.best, best.step < steps {
            message(String(format: "finetune: the checkpoint is the best step, %d (held-out %.4f)", best.step, best.heldOutLoss))
        }
        message("finetune: checkpoint -> \(request.output)")
    }

    // MARK: What both paths share

    /// Writes the checkpoint folder (weights, tokenizer, schema, template, record, optimizer state).
    func save(model: GPT2<Float>, tokenizer: Tokenizer, serializer: RowSerializer, record: TrainingRecord, optimizer: AdamW,
              average: ParameterAverage?) throws {
        try Checkpoint(model: model, tokenizer: tokenizer, schema: serializer.schema, template: serializer.template, record: record)
            .save(to: request.output, optimizer: optimizer, average: average)
    }

    /// On `resume`, the optimizer's moments and the average as the checkpoint left them.
    func restoreOptimizer(into optimizer: AdamW, average: ParameterAverage?, model: GPT2<Float>) throws {
        if let resume = request.resume, try Checkpoint.restoreOptimizer(folder: resume, into: optimizer, average: average, parameters: model.parameters) == false {
            message("warning: \(resume) has no optimizer state; AdamW restarts from zero moments")
        }
    }

    /// The column orders of a run (the resumed checkpoint's, or the request's), set on the batcher
    /// and recorded.
    func applyColumnOrders(to batcher: inout RowBatcher, record: inout TrainingRecord, resumed: TrainingRecord?) throws {
        let schema = batcher.serializer.schema
        if let resumed {
            batcher.orders = try ColumnOrderChoice.orders(recorded: resumed.columnOrders, schema: schema)
            batcher.randomShare = resumed.randomOrderShare ?? 0
        } else {
            batcher.orders = request.columnOrders.orders(schema: schema)
            batcher.randomShare = batcher.orders == nil ? 1
                : request.randomOrderShare ?? (request.fairness.isEnabled ? TrainingRecipe.fairnessRandomOrderShare : 0)
        }
        record.columnOrders = batcher.orders.map { $0.map { $0.map { schema.columns[$0].name } } }
        record.randomOrderShare = batcher.orders == nil ? nil : batcher.randomShare
    }

    /// The request's average decay, else the resumed run's (so that it continues as it began), else
    /// the recipe's; nil when off.
    func averageDecay(resumed: TrainingRecord?) -> Double? {
        let decay = request.averageDecay ?? resumed.map { $0.averageDecay ?? 0 } ?? TrainingRecipe.defaultAverageDecay
        return decay > 0 ? decay : nil
    }

    /// The request's target weight, else the resumed run's, else the recipe's (`recipe`) when the
    /// schema has a target.
    func targetWeight(schema: Schema, resumed: TrainingRecord?, recipe: Double = TrainingRecipe.defaultTargetWeight) throws -> Double {
        guard schema.target != nil else {
            if request.targetWeight != nil { throw OptionError("--target-weight needs a target column in the schema (tablm schema infer --target)") }
            return 1
        }
        return request.targetWeight ?? resumed.map { $0.targetWeight ?? 1 } ?? recipe
    }

    /// A tokenizer trained from the schema alone by the recipe's rule, where none is given.
    func trainedTokenizer(_ serializer: RowSerializer, large: Bool) throws -> Tokenizer {
        let options = TrainingRecipe.tokenizerOptions(large: large, privately: false, keepApart: request.fairness.columns.named)
        let trained = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template, options: options)
        message("tokenizer: trained from the schema alone (\(trained.report.vocabularySize) pieces)")
        return try Tokenizer(modelBytes: trained.model)
    }

    /// `--tokenizer`'s model, refused before any row is read when it cannot spell a column name or
    /// category of the run's schema (a tokenizer trained from another schema).
    func givenTokenizer(_ path: String, spelling schema: Schema) throws -> Tokenizer {
        let tokenizer = try Tokenizer.load(path: path)
        try requireSpelling(by: tokenizer, at: path, of: schema)
        return tokenizer
    }

    /// The refusal of a tokenizer (`path`) that cannot spell a name or category of `schema`; a
    /// private run checks first that the tokenizer was trained from a schema alone.
    func requireSpelling(by tokenizer: Tokenizer, at path: String, of schema: Schema) throws {
        if let problem = tokenizer.spellingProblem(schema) {
            throw InputError("this tokenizer cannot spell \(problem) of the schema \(request.schema): train one from it (tablm tokenizer train --schema \(request.schema))",
                             at: SourceLocation(file: path))
        }
    }

    /// The shape of the model `makeModel` builds, without building it (`PrivatePlan` times steps at it).
    func modelConfig(tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row]?, defaultLayers: Int) throws -> GPT2Config {
        if let initFrom = request.initFrom {
            let config = adapted(try Checkpoint.loadConfig(path: URL(fileURLWithPath: initFrom).appendingPathComponent("config.json").path), to: tokenizer)
            if let problem = config.problem { throw OptionError(problem) }
            return config
        }
        let needed = try TrainingRecipe.context(tokenizer: tokenizer, serializer: serializer, rows: rows)
        let config = GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: request.context ?? needed, width: request.width,
                                layers: request.layers ?? defaultLayers, heads: request.heads, bosTokenID: Int(tokenizer.bosID), eosTokenID: Int(tokenizer.eosID))
        if let problem = config.problem { throw OptionError(problem) }
        return config
    }

    /// The shape `--init-from`'s model takes here: this tokenizer's vocabulary, `--context` if given.
    func adapted(_ source: GPT2Config, to tokenizer: Tokenizer) -> GPT2Config {
        var config = source
        config.vocabularySize = tokenizer.vocabularySize
        config.contextLength = request.context ?? source.contextLength
        return config
    }

    /// A new model, or one adapted from `initFrom`. `rows` (nil for a private run) size the default context;
    /// `large` the recipe's batch (nil under --dp). A run that cannot fit the machine's memory is refused
    /// before either model is allocated (`requireMemory`); a row is at least a token a column and `<s>`
    /// where the context was not sized from the rows.
    func makeModel(tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row]?, defaultLayers: Int, large: Bool?,
                   record: inout TrainingRecord) throws -> GPT2<Float> {
        let shortestRow = serializer.schema.columns.count + 1
        guard let initFrom = request.initFrom else {
            let config = try modelConfig(tokenizer: tokenizer, serializer: serializer, rows: rows, defaultLayers: defaultLayers)
            try requireMemory(config: config, length: request.context == nil ? config.contextLength : shortestRow, large: large)
            let model = GPT2<Float>(config: config)
            model.initializeParameters(seed: request.seed)
            return model
        }
        let folder = URL(fileURLWithPath: initFrom)
        let sourceConfig = try Checkpoint.loadConfig(path: folder.appendingPathComponent("config.json").path)
        try requireMemory(config: adapted(sourceConfig, to: tokenizer), length: shortestRow, large: large)
        let source = GPT2<Float>(config: sourceConfig)
        try GPT2Weights.load(SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path), into: source)
        if let problem = source.outputProblem() { throw InputError(problem, at: SourceLocation(file: folder.appendingPathComponent("model.safetensors").path)) }
        record.initializedFrom = initFrom
        return ModelInitializer.adapt(source, vocabularySize: tokenizer.vocabularySize, contextLength: request.context ?? source.config.contextLength,
                                      seed: request.seed, report: { self.message("init: \($0)") })
    }
}
