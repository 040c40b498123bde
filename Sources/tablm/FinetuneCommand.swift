import ArgumentParser
import Foundation
import TablmCore

struct FinetuneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "finetune",
        abstract: "Fine-tune a GPT-2 on a table's rows as text and save a checkpoint folder.",
        discussion: """
        Each step draws --batch-size rows, writes each in a fresh random column order, and takes one \
        AdamW step (weight decay on matrices, gradient-norm clipping, warmup then cosine decay). A \
        held-out share of the rows (--held-out) measures progress. The checkpoint is written every \
        --eval-every steps and at the end; --resume continues a run from its checkpoint.

        --init-from starts from another checkpoint (or a folder with model.safetensors and config.json in \
        Hugging Face GPT-2 layout). If its vocabulary differs from the tokenizer's, the blocks are kept \
        and the embedding rows are re-initialised. Use only checkpoints trained on public data.

        --dp trains with DP-SGD (Poisson sampling, per-row clipping, Gaussian noise) and guarantees \
        (epsilon, delta)-DP for each row of --data. It needs a public schema ("source": "public") and a \
        tokenizer made from a public schema; it prints and records nothing computed from the rows (no \
        loss, no held-out split, no data hash). Pretraining (--init-from) must use public data only: the \
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

    @Option(help: "Transformer blocks.") var layers = 4
    @Option(help: "Model width (n_embd).") var width = 128
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Context length in tokens (default: the longest row the schema allows).") var context: Int?
    @Option(help: "Optimizer steps in total (default 300; 100 for DP-SGD after the marginal prior).") var steps: Int?
    @Option(help: "Rows per step.") var batchSize = 32
    @Option(help: "Peak learning rate (default 1e-3; 2e-4 for DP-SGD after the marginal prior).") var lr: Double?
    @Option(help: "Warmup steps.") var warmup = 20
    @Option(help: "AdamW weight decay (matrices only).") var weightDecay = 0.1
    @Option(help: "Clip the gradient to this L2 norm.") var clip = 1.0
    @Option(help: "Share of rows held out to measure loss.") var heldOut = 0.05
    @Option(help: "Evaluate and checkpoint every N steps.") var evalEvery = 100
    @Option(help: "Seed for initialisation, batches and column orders.") var seed: UInt64 = 0
    @Option(help: "Weight λ of the demographic-parity term: KL between the model's value distributions for the sensitive groups, on probe prompts (0: off).") var fairnessLambda = 0.0
    @Option(help: "Weight μ of the representation term: the dependence (normalised HSIC) between the model's hidden states after the sensitive field and the sensitive value, over every other column's probe (task-agnostic; 0: off).") var representationLambda = 0.0
    @Option(help: "Contexts for counterfactual probes: rows the model generates (refreshed every 25 steps), each followed by every group (0: bare probes only).") var fairnessContexts = 4
    @OptionGroup var fairness: FairnessOptions
    @Option(help: "Cores to train on (default: all, at most 8); the result does not depend on it.") var workers = ModelWorkers.defaultCount

    @Option(name: .shortAndLong, help: "Output checkpoint folder.")
    var output: String

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
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
        let steps = self.steps ?? Self.defaultSteps
        settings.steps = steps
        settings.batchSize = batchSize
        settings.learningRate = lr ?? Self.defaultLearningRate
        settings.warmupSteps = warmup
        settings.clipNorm = clip
        settings.seed = seed
        settings.evaluateEvery = evalEvery
        settings.adam.weightDecay = weightDecay
        settings.workers = workers

        var record = TrainingRecord()
        let tokenizer: Tokenizer
        var startStep = 0
        var resumed: Checkpoint?
        if let resume {
            let checkpoint = try Checkpoint.load(folder: resume)
            resumed = checkpoint
            tokenizer = checkpoint.tokenizer
            serializer = RowSerializer(schema: checkpoint.schema, template: checkpoint.template)
            record = checkpoint.record
            startStep = checkpoint.record.steps
            if let seed = checkpoint.record.seed { settings.seed = seed }
        } else {
            tokenizer = try loadTokenizer(serializer)
        }
        let table = try TableData.read(path: data, schema: serializer.schema)
        let model: GPT2<Float>
        if let resumed {
            guard resumed.record.dataSHA256 == table.sha256 else {
                throw InputError("this is not the table the checkpoint was trained on (sha256 differs)", at: SourceLocation(file: data))
            }
            model = resumed.model
        } else {
            model = try makeModel(tokenizer: tokenizer, serializer: serializer, rows: table.rows, record: &record)
        }
        let (train, held) = table.split(heldOutFraction: heldOut, seed: settings.seed)
        let batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: model.config.contextLength)
        let tuner = FineTuner(model: model, batcher: batcher, train: train, heldOut: held, settings: settings,
                              fairness: try fairnessRegularizer(model: model, serializer: serializer, tokenizer: tokenizer))
        if let resume, try Checkpoint.restoreOptimizer(folder: resume, into: tuner.optimizer) == false {
            log("warning: \(resume) has no optimizer state; AdamW restarts from zero moments")
        }
        record.dataSHA256 = table.sha256
        record.dataRows = train.count
        record.heldOutRows = held.count
        record.batchSize = batchSize
        record.schedule = tuner.schedule
        record.seed = settings.seed
        let baseTokens = record.tokensSeen ?? 0

        log("finetune: \(model.parameterCount) parameters (\(model.config.layers) layers, width \(model.config.width), \(model.config.heads) heads, context \(model.config.contextLength)); \(train.count) training rows, \(held.count) held out; \(batcher.length) tokens per sequence; OpenBLAS \(BLASInfo.coreName)")
        if startStep >= steps { log("finetune: the checkpoint is already at step \(startStep) of \(steps)") }
        let reportEvery = max(1, steps / 50)
        try tuner.run(startStep: startStep, progress: { p in
            guard p.step % reportEvery == 0 || p.heldOutLoss != nil || p.step == startStep + 1 else { return }
            var line = String(format: "step %d/%d  loss %.4f  lr %.2e  |g| %.3f  %.0f tok/s", p.step, p.totalSteps, p.loss,
                              p.learningRate, p.gradientNorm, p.tokensPerSecond)
            if let fairness = p.fairness { line += String(format: "  fair %.4f", fairness) }
            if let heldOut = p.heldOutLoss { line += String(format: "  held-out %.4f", heldOut) }
            log(line)
        }, checkpoint: { step in
            record.steps = step
            record.tokensSeen = baseTokens + tuner.tokensSeen
            record.trainLoss = tuner.lastLoss
            record.heldOutLoss = try tuner.heldOutLoss()
            try Checkpoint(model: model, tokenizer: tokenizer, schema: serializer.schema, template: serializer.template, record: record)
                .save(to: output, optimizer: tuner.optimizer)
        })
        log("finetune: checkpoint -> \(output)")
    }

    static let defaultSteps = 300

    func loadTokenizer(_ serializer: RowSerializer) throws -> Tokenizer {
        if let path = tokenizer { return try Tokenizer.load(path: path) }
        let trained = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template)
        log("tokenizer: trained from the schema alone (\(trained.report.vocabularySize) pieces)")
        return try Tokenizer(modelBytes: trained.model)
    }

    /// A new model, or one adapted from --init-from. `rows` (nil for a private run) size the default context.
    func makeModel(tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row]?, record: inout TrainingRecord) throws -> GPT2<Float> {
        guard let initFrom else {
            let needed = try neededContext(tokenizer: tokenizer, serializer: serializer, rows: rows)
            let config = GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: context ?? needed, width: width,
                                    layers: layers, heads: heads, bosTokenID: Int(tokenizer.bosID), eosTokenID: Int(tokenizer.eosID))
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
