import ArgumentParser
import Foundation
import TablmCore

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a GPT-2 on a table's rows as text and save a checkpoint folder.",
        discussion: """
        Each step draws --batch-size rows, writes each in a fresh random column order, and takes one \
        AdamW step (weight decay on matrices, gradient-norm clipping, warmup then cosine decay to the \
        last step). The run lasts --epochs passes over the rows unless --steps is given. A held-out \
        share of the rows (--held-out) is scored every --eval-every steps (a quarter epoch by default); \
        the checkpoint is written when that loss reaches a new best, and training stops after \
        --patience scores without one, so the folder holds the best model seen. --resume continues a \
        run from its checkpoint.

        --init-from starts from another checkpoint (or a folder with model.safetensors and config.json in \
        Hugging Face GPT-2 layout). If its vocabulary differs from the tokenizer's, the blocks are kept \
        and the embedding rows are re-initialised. Use only checkpoints trained on public data.

        --dp trains with DP-SGD (Poisson sampling, per-row clipping, Gaussian noise) and guarantees \
        (epsilon, delta)-DP for each row of --data. It needs a public schema ("source": "public") and a \
        tokenizer made from a public schema; it prints and records nothing computed from the rows (no \
        loss, no held-out split, no data hash). Rows that do not fit the schema are fitted (numbers \
        clamped, unknown categories made missing, otherwise the row left out) and never counted, since a \
        count is a statistic of the rows; check a table first with tablm serialize --schema S DATA.csv \
        -o /dev/null, which names each bad value. Pretraining (--init-from) must use public data only: the \
        guarantee covers the rows of --data, nothing else.

        Under --dp the model first learns a marginal prior (--prior aim, the default): marginals of \
        the rows chosen by AIM and measured with Gaussian noise (--prior-share of epsilon), a graphical \
        model fitted to them, and --prior-steps of training on pseudo rows drawn from it (no privacy \
        cost). DP-SGD on the real rows then spends the rest; every mechanism is composed in one \
        accountant and recorded in training.json. --prior none gives DP-SGD alone.

        --dp --balance-groups samples each group of --sensitive at its own rate so every group brings \
        as many rows to a step; the group counts are released once with Gaussian noise and charged, \
        and every step is charged at the largest rate. --fairness-lambda and --representation-lambda \
        add fairness terms computed on probe prompts (no rows, no privacy cost).
        """
    )

    @OptionGroup var rowText: RowTextOptions
    @OptionGroup(title: "Differential privacy") var privacy: PrivacyOptions
    @OptionGroup(title: "Marginal prior (with --dp)") var priorOptions: PriorOptions

    @Option(help: "Training table (CSV).")
    var data: String

    @Option(help: "Tokenizer .model (default: trained from the schema alone).")
    var tokenizer: String?

    @Option(help: "Checkpoint to start from (public data only).")
    var initFrom: String?

    @Option(help: "Continue the run saved in this checkpoint folder.")
    var resume: String?

    @Option(help: "Transformer blocks (default: \(Self.largeTableLayers) on tables of \(Self.largeTableRows) training rows or more, else \(Self.smallTableLayers); under --dp \(Self.privateLayers)).") var layers: Int?
    @Option(help: "Model width (n_embd).") var width = 128
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Context length in tokens (default: the longest row the schema allows).") var context: Int?
    @Option(help: "Optimizer steps in total (default: --epochs over the rows; under --dp 300, or 100 after the marginal prior).") var steps: Int?
    @Option(help: "Passes over the training rows when --steps is not given (default \(Self.defaultEpochs), and at least \(Self.minimumSteps) steps; not with --dp).") var epochs: Double?
    @Option(help: "Stop after this many held-out scores in a row without a new best (default \(Self.defaultPatience); 0: run every step; not with --dp).") var patience: Int?
    @Option(help: "Rows per step (default: \(Self.largeTableBatchSize) on tables of \(Self.largeTableRows) training rows or more, else \(Self.smallTableBatchSize); not with --dp, whose steps draw --expected-batch-size rows in expectation).") var batchSize: Int?
    @Option(help: "Column order of the training rows: schema (the schema's order with the target last, --random-order-share of the uses in a random order) or random (a fresh random order every use).") var columnOrders = ColumnOrderChoice.schema
    @Option(help: "With --column-orders schema: share of uses in a random order, so that conditions (written first by generate) and fairness probes are in what the model has seen (default 0; \(Self.fairnessRandomOrderShare) with --fairness-lambda or --representation-lambda).") var randomOrderShare: Double?
    @Option(help: "Peak learning rate (default: \(Self.largeTableLearningRate) on tables of \(Self.largeTableRows) training rows or more, else 1e-3; under --dp 1e-3, or 2e-4 after the marginal prior).") var lr: Double?
    @Option(help: "Warmup steps.") var warmup = 20
    @Option(help: "Decay β of the parameter average that is scored and saved: an exponential moving average of the weights, its decay at most (1 + t)/(10 + t) at step t (under --dp post-processing, no privacy cost; 0: the last weights; default \(Self.defaultAverageDecay), or the resumed run's).") var averageDecay: Double?
    @Option(help: "Loss weight of the target column's value tokens against 1 for every other token: more of the gradient goes to the target given the other columns, which is what a classifier trained on the rows learns (default \(Self.defaultTargetWeight) when the schema has a target, or the resumed run's; 1: every token alike; not with --dp).") var targetWeight: Double?
    @Option(help: "AdamW weight decay (matrices only).") var weightDecay = 0.1
    @Option(help: "Without --dp: clip the batch gradient to this L2 norm. With --dp: the per-row clip norm C of DP-SGD (each row's gradient is clipped to it before the noise, N(0, σ²C²), is added).") var clip = 1.0
    @Option(help: "Share of rows held out to measure loss.") var heldOut = 0.05
    @Option(help: "Score the held-out rows (and checkpoint at a new best) every N steps (default: a quarter epoch; not used with --dp, which has no held-out rows).") var evalEvery: Int?
    @Option(help: "Seed for initialisation, batches and column orders.") var seed: UInt64 = 0
    @Option(help: "Weight λ of the demographic-parity term: KL between the model's value distributions for the sensitive groups, on probe prompts (0: off).") var fairnessLambda = 0.0
    @Option(help: "Weight μ of the representation term: the dependence (normalised HSIC) between the model's hidden states after the sensitive field and the sensitive value, over every other column's probe (task-agnostic; 0: off).") var representationLambda = 0.0
    @Option(help: "Contexts for counterfactual probes: rows the model generates (refreshed every 25 steps), each followed by every group (0: bare probes only).") var fairnessContexts = 4
    @OptionGroup var fairness: FairnessOptions
    @Option(name: .customLong("workers"), help: "Cores to train on (default: all, at most 8); the result does not depend on it.") var workerCount: Int?
    var workers: Int { workerCount ?? ModelWorkers.defaultCount }

    @Option(name: .shortAndLong, help: "Output checkpoint folder.")
    var output: String

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard (batchSize ?? 1) >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        guard (averageDecay ?? 0) >= 0 && (averageDecay ?? 0) < 1 else { throw ValidationError("--average-decay must be in [0, 1)") }
        guard (0...1).contains(randomOrderShare ?? 0) else { throw ValidationError("--random-order-share must be between 0 and 1") }
        // --dp --steps 0: the marginal prior alone, its events recorded; DP-SGD can follow elsewhere (tablm export).
        let fewestSteps = privacy.dp && priorOptions.prior == .aim ? 0 : 1
        guard (epochs ?? 1) > 0, (epochs ?? 1).isFinite, (patience ?? 0) >= 0, (evalEvery ?? 1) >= 1, (steps ?? 1) >= fewestSteps else {
            throw ValidationError("--epochs, --steps and --eval-every must be positive (--steps 0 only with --dp and its prior), --patience at least 0")
        }
        if privacy.dp, epochs != nil || patience != nil {
            throw ValidationError("--epochs and --patience need held-out rows, which --dp does not have; give --steps")
        }
        if let targetWeight, !(targetWeight > 0 && targetWeight <= RowBatcher.largestTargetWeight) {
            throw ValidationError("--target-weight must be in (0, \(Int(RowBatcher.largestTargetWeight))]")
        }
        if privacy.dp, targetWeight != nil {
            throw ValidationError("--target-weight is for training without --dp (DP-SGD clips each row's mean token loss)")
        }
        guard fairnessLambda >= 0, representationLambda >= 0 else { throw ValidationError("--fairness-lambda and --representation-lambda must be non-negative") }
        try fairness.refuseWithout("--fairness-lambda", enabled: fairnessLambda > 0,
                                   otherUse: ("--representation-lambda or --balance-groups", representationLambda > 0 || privacy.balanceGroups))
    }

    /// The fairness terms, when --fairness-lambda or --representation-lambda is set: probes built from
    /// the schema and template alone.
    func fairnessRegularizer(model: GPT2<Float>, serializer: RowSerializer, tokenizer: Tokenizer) throws -> FairnessRegularizer? {
        guard fairnessLambda > 0 || representationLambda > 0 else { return nil }
        let probes = try fairness.probes(for: fairnessLambda > 0 ? "--fairness-lambda" : "--representation-lambda", serializer: serializer, tokenizer: tokenizer)
        let sensitive = serializer.schema.columns[probes.sensitive].name
        let columns = probes.columns.map { serializer.schema.columns[$0.column].name }
        let regularizer = try FairnessRegularizer(probes: probes, lambda: fairnessLambda, padding: tokenizer.padID)
        if representationLambda > 0 {
            regularizer.representation = try RepresentationIndependence(probes: probes, lambda: representationLambda, padding: tokenizer.padID)
        }
        if fairnessContexts > 0 {
            func sampler(_ conditions: [ColumnCondition]) throws -> RowSampler {
                RowSampler(model: model, tokenizer: tokenizer, serializer: serializer,
                           constraint: try RowConstraint(schema: serializer.schema, template: serializer.template, tokenizer: tokenizer,
                                                         conditions: conditions))
            }
            let groupSamplers = try probes.groups.map { try sampler([ColumnCondition(column: sensitive, restriction: .values([$0]))]) }
            regularizer.contextSource = (try sampler([]), groupSamplers, fairnessContexts, 25)
        }
        var terms: [String] = []
        if fairnessLambda > 0 { terms.append("λ = \(fairnessLambda): \(columns.joined(separator: ", ")) and \(sensitive) made independent on probe prompts") }
        if representationLambda > 0 { terms.append("μ = \(representationLambda): hidden states made independent of \(sensitive) (normalised HSIC)") }
        log("fairness: \(terms.joined(separator: "; ")), with \(fairnessContexts) contexts generated by the model (no rows; no privacy cost)")
        return regularizer
    }

    func run() throws {
        if privacy.dp { return try runPrivate() }
        try privacy.refuseWithoutDP()
        var serializer = try rowText.load()
        var settings = FineTuneSettings()
        settings.warmupSteps = warmup
        settings.clipNorm = clip
        settings.seed = seed
        settings.adam.weightDecay = weightDecay
        settings.workers = workers
        let patience = self.patience ?? Self.defaultPatience
        settings.patience = patience > 0 ? patience : nil

        var record = TrainingRecord()
        var startStep = 0
        var resumed: Checkpoint?
        if let resume {
            let checkpoint = try Checkpoint.load(folder: resume)
            resumed = checkpoint
            serializer = RowSerializer(schema: checkpoint.schema, template: checkpoint.template)
            record = checkpoint.record
            startStep = checkpoint.record.steps
            if let seed = checkpoint.record.seed { settings.seed = seed }
        }
        let table = try TableData.read(path: data, schema: serializer.schema)
        let (train, held) = table.split(heldOutFraction: heldOut, seed: settings.seed)
        guard !train.isEmpty else { throw InputError("no training rows are left after holding out \(held.count)", at: SourceLocation(file: data)) }
        let large = train.count >= Self.largeTableRows
        let tokenizer = try resumed?.tokenizer ?? loadTokenizer(serializer, fieldPieces: large)
        let model: GPT2<Float>
        if let resumed {
            guard resumed.record.dataSHA256 == table.sha256 else {
                throw InputError("this is not the table the checkpoint was trained on (sha256 differs)", at: SourceLocation(file: data))
            }
            model = resumed.model
        } else {
            model = try makeModel(tokenizer: tokenizer, serializer: serializer, rows: table.rows,
                                  defaultLayers: large ? Self.largeTableLayers : Self.smallTableLayers, record: &record)
        }
        let batchSize = self.batchSize ?? (large ? Self.largeTableBatchSize : Self.smallTableBatchSize)
        settings.batchSize = batchSize
        settings.learningRate = lr ?? (large ? Self.largeTableLearningRate : Self.defaultLearningRate)
        let stepsPerEpoch = max(1, Int((Double(train.count) / Double(batchSize)).rounded(.up)))
        let epochSteps = Int(((epochs ?? Self.defaultEpochs) * Double(stepsPerEpoch)).rounded(.up))
        let steps = self.steps ?? resumed?.record.schedule?.totalSteps ?? (epochs == nil ? max(epochSteps, Self.minimumSteps) : max(1, epochSteps))
        settings.steps = steps
        settings.evaluateEvery = evalEvery ?? max(Self.minimumEvaluateEvery, stepsPerEpoch / 4)
        settings.averageDecay = averageDecay(resumed: resumed?.record)
        record.averageDecay = settings.averageDecay
        var batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: model.config.contextLength)
        try applyColumnOrders(to: &batcher, record: &record, resumed: resumed?.record)
        batcher.targetWeight = try targetWeight(schema: serializer.schema, resumed: resumed?.record)
        record.targetWeight = batcher.targetWeight == 1 ? nil : batcher.targetWeight
        let tuner = FineTuner(model: model, batcher: batcher, train: train, heldOut: held, settings: settings,
                              fairness: try fairnessRegularizer(model: model, serializer: serializer, tokenizer: tokenizer))
        if let resume, try Checkpoint.restoreOptimizer(folder: resume, into: tuner.optimizer, average: tuner.average, parameters: model.parameters) == false {
            log("warning: \(resume) has no optimizer state; AdamW restarts from zero moments")
        }
        record.dataSHA256 = table.sha256
        record.dataRows = train.count
        record.heldOutRows = held.count
        record.batchSize = batchSize
        record.schedule = tuner.schedule
        record.seed = settings.seed
        let baseTokens = record.tokensSeen ?? 0
        if resumed != nil, let loss = record.heldOutLoss { tuner.best = (startStep, loss) }

        log("finetune: \(model.parameterCount) parameters (\(model.config.layers) layers, width \(model.config.width), \(model.config.heads) heads, context \(model.config.contextLength)); \(train.count) training rows, \(held.count) held out; \(batcher.length) tokens per sequence; \(steps) steps of \(batchSize) rows (\(String(format: "%.1f", Double(steps) / Double(stepsPerEpoch))) epochs)\(settings.patience.map { ", early stopping after \($0) held-out scores without a new best" } ?? ""); OpenBLAS \(BLASInfo.coreName)")
        if startStep >= steps { log("finetune: the checkpoint is already at step \(startStep) of \(steps)") }
        let reportEvery = max(1, steps / 50)
        let clock = ProgressClock(startStep: startStep, totalSteps: steps)
        try tuner.run(startStep: startStep, progress: { p in
            guard p.step % reportEvery == 0 || p.heldOutLoss != nil || p.step == startStep + 1 else { return }
            var line = String(format: "step %d/%d  epoch %.2f  loss %.4f  lr %.2e  |g| %.3f  %.0f tok/s", p.step, p.totalSteps, p.epoch, p.loss,
                              p.learningRate, p.gradientNorm, p.tokensPerSecond)
            if let fairness = p.fairness { line += String(format: "  fair %.4f", fairness) }
            if let heldOut = p.heldOutLoss { line += String(format: "  held-out %.4f", heldOut) }
            log(line + clock.eta(step: p.step))
        }, checkpoint: { step in
            record.steps = step
            record.tokensSeen = baseTokens + tuner.tokensSeen
            record.trainLoss = tuner.lastLoss
            record.heldOutLoss = try tuner.latestHeldOut.flatMap { $0.step == step ? $0.heldOutLoss : nil } ?? tuner.heldOutLoss()
            try Checkpoint(model: model, tokenizer: tokenizer, schema: serializer.schema, template: serializer.template, record: record)
                .save(to: output, optimizer: tuner.optimizer, average: tuner.average)
        })
        if tuner.stoppedEarly, let best = tuner.best {
            log(String(format: "finetune: stopped early: no new best held-out loss in %d scores; the checkpoint is step %d (held-out %.4f)",
                       patience, best.step, best.heldOutLoss))
        } else if let best = tuner.best, best.step < steps {
            log(String(format: "finetune: the checkpoint is the best step, %d (held-out %.4f)", best.step, best.heldOutLoss))
        }
        log("finetune: checkpoint -> \(output)")
    }

    /// The column orders of a run (the resumed checkpoint's, or the options'), set on the batcher
    /// and recorded.
    func applyColumnOrders(to batcher: inout RowBatcher, record: inout TrainingRecord, resumed: TrainingRecord?) throws {
        let schema = batcher.serializer.schema
        if let resumed {
            batcher.orders = try ColumnOrderChoice.orders(recorded: resumed.columnOrders, schema: schema)
            batcher.randomShare = resumed.randomOrderShare ?? 0
        } else {
            batcher.orders = columnOrders.orders(schema: schema)
            let probes = fairnessLambda > 0 || representationLambda > 0
            batcher.randomShare = batcher.orders == nil ? 1 : randomOrderShare ?? (probes ? Self.fairnessRandomOrderShare : 0)
        }
        record.columnOrders = batcher.orders.map { $0.map { $0.map { schema.columns[$0].name } } }
        record.randomOrderShare = batcher.orders == nil ? nil : batcher.randomShare
    }

    /// `--average-decay`, else the resumed run's (so that it continues as it began), else the
    /// default; nil when off.
    func averageDecay(resumed: TrainingRecord?) -> Double? {
        let decay = averageDecay ?? resumed.map { $0.averageDecay ?? 0 } ?? Self.defaultAverageDecay
        return decay > 0 ? decay : nil
    }

    /// `--target-weight`, else the resumed run's, else the default when the schema has a target.
    func targetWeight(schema: Schema, resumed: TrainingRecord?) throws -> Double {
        guard schema.target != nil else {
            if targetWeight != nil { throw ValidationError("--target-weight needs a target column in the schema (tablm schema infer --target)") }
            return 1
        }
        return targetWeight ?? resumed.map { $0.targetWeight ?? 1 } ?? Self.defaultTargetWeight
    }

    /// Steps under --dp without a prior.
    static let defaultSteps = 300
    /// Passes over the rows without --dp, and blocks (docs/fidelity.md, "Depth for epochs" and "Field
    /// pieces"): on Adult three blocks for 5.25 epochs fit the time four took for 4.1, and their rows
    /// teach a classifier more; field pieces made a step 0.69 of its time, and 7 epochs take 0.9 of
    /// the time 5.25 took without them. A small table runs the 1,000-step minimum with early stopping
    /// in a few minutes, so it keeps the four blocks its figures were measured with.
    static let defaultEpochs = 7.0
    static let largeTableLayers = 3
    static let smallTableLayers = 4
    /// Blocks under --dp, where the private defaults were measured (docs/marginal-prior.md); three
    /// were not measured there.
    static let privateLayers = 4
    /// Rows a step and peak rate without --dp (docs/fidelity.md, "The batch"). On Adult (30,933
    /// training rows) 128 rows at 2e-3 brought both TVs about a fifth closer to the sampling floor
    /// than 64 at 1e-3. On German credit (665 rows) they did worse, so small tables keep 64 at 1e-3.
    /// Between the two sizes nothing was measured; the line sits at 10,000.
    static let largeTableRows = 10_000
    static let largeTableBatchSize = 128
    static let smallTableBatchSize = 64
    static let largeTableLearningRate = 2e-3
    /// Share of training uses in a random column order when fairness probes (sensitive column first)
    /// need them; otherwise none, which measured best (docs/fidelity.md).
    static let fairnessRandomOrderShare = 0.25
    /// A small table gets at least this many steps (many epochs; early stopping ends the run when
    /// the held-out loss turns), unless --epochs or --steps is given.
    static let minimumSteps = 1000
    /// Steps between held-out scores at the least (a quarter epoch of a small table is a step or two).
    static let minimumEvaluateEvery = 25
    /// The parameter average's decay (docs/fidelity.md, "The average").
    static let defaultAverageDecay = 0.999
    /// Weight of the target's value tokens (docs/fidelity.md, "The target's weight").
    static let defaultTargetWeight = 4.0
    /// Held-out scores (a quarter epoch apart by default) without a new best before stopping.
    static let defaultPatience = 4

    /// The tokenizer: --tokenizer, else one trained from the schema alone, with field pieces on large
    /// tables (docs/fidelity.md, "Field pieces": on German credit's 665 rows they taught the
    /// classifier less).
    func loadTokenizer(_ serializer: RowSerializer, fieldPieces: Bool) throws -> Tokenizer {
        if let path = tokenizer { return try Tokenizer.load(path: path) }
        // Columns the fairness options act on keep their values apart from their lead-ins (FieldPieces).
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = fieldPieces ? FieldPieces.defaultBudget : 0
        options.keepApart = fairness.namedColumns
        let trained = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template, options: options)
        log("tokenizer: trained from the schema alone (\(trained.report.vocabularySize) pieces)")
        return try Tokenizer(modelBytes: trained.model)
    }

    /// A new model, or one adapted from --init-from. `rows` (nil for a private run) size the default context.
    func makeModel(tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row]?, defaultLayers: Int, record: inout TrainingRecord) throws -> GPT2<Float> {
        guard let initFrom else {
            let needed = try neededContext(tokenizer: tokenizer, serializer: serializer, rows: rows)
            let config = GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: context ?? needed, width: width,
                                    layers: layers ?? defaultLayers, heads: heads, bosTokenID: Int(tokenizer.bosID), eosTokenID: Int(tokenizer.eosID))
            if let problem = config.problem { throw ValidationError(problem) }
            let model = GPT2<Float>(config: config)
            model.initializeParameters(seed: seed)
            return model
        }
        let folder = URL(fileURLWithPath: initFrom)
        let source = GPT2<Float>(config: try Checkpoint.loadConfig(path: folder.appendingPathComponent("config.json").path))
        try GPT2Weights.load(SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path), into: source)
        record.initializedFrom = initFrom
        return ModelInitializer.adapt(source, vocabularySize: tokenizer.vocabularySize, contextLength: context ?? source.config.contextLength,
                                      seed: seed, report: { log("init: \($0)") })
    }

    /// The longest row the schema allows (so constrained generation can always finish a row), or the
    /// longest training row if that is longer. From the schema alone when no rows are given (a private
    /// run must not size anything from the rows).
    func neededContext(tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row]?) throws -> Int {
        let schemaLongest = try RowConstraint(schema: serializer.schema, template: serializer.template, tokenizer: tokenizer).maximumTokens - 1
        guard let rows else { return schemaLongest }
        return max(schemaLongest, try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: rows, context: Int.max).length)
    }
}
