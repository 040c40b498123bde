/// Every default a fine-tuning run takes, and the rules that choose them from the table's size and
/// the run's privacy: the one place `finetune`, `export`, `sweep`, `audit` and `bench` read them.
/// Each figure was measured; the doc comment says where.
public enum TrainingRecipe {
    // MARK: Without privacy

    /// Passes over the rows (docs/fidelity.md, "Depth for epochs" and "Field pieces"): on Adult three
    /// blocks for 5.25 epochs fit the time four took for 4.1, and their rows teach a classifier more;
    /// field pieces made a step 0.69 of its time, and 7 epochs take 0.9 of the time 5.25 took without
    /// them.
    public static let defaultEpochs = 7.0
    /// From this many training rows a table is large (docs/fidelity.md, "The batch"): between German
    /// credit's 665 and Adult's 30,933 nothing was measured; the line sits at 10,000.
    public static let largeTableRows = 10_000
    /// Blocks: a small table runs the 1,000-step minimum with early stopping in a few minutes, so it
    /// keeps the four blocks its figures were measured with.
    public static let largeTableLayers = 3
    public static let smallTableLayers = 4
    /// Rows a step and peak rate (docs/fidelity.md, "The batch"): on Adult 128 rows at 2e-3 brought
    /// both TVs about a fifth closer to the sampling floor than 64 at 1e-3; German credit did worse
    /// with them.
    public static let largeTableBatchSize = 128
    public static let smallTableBatchSize = 64
    public static let largeTableLearningRate = 2e-3
    public static let smallTableLearningRate = 1e-3
    /// A small table gets at least this many steps (many epochs; early stopping ends the run when
    /// the held-out loss turns), unless epochs or steps are given.
    public static let minimumSteps = 1000
    /// Steps between held-out scores at the least (a quarter epoch of a small table is a step or two).
    public static let minimumEvaluateEvery = 25
    /// Held-out scores (a quarter epoch apart by default) without a new best before stopping.
    public static let defaultPatience = 4
    /// Weight of the target's value tokens (docs/fidelity.md, "The target's weight").
    public static let defaultTargetWeight = 4.0

    // MARK: Both paths

    /// The parameter average's decay (docs/fidelity.md, "The average").
    public static let defaultAverageDecay = 0.999
    /// Share of training uses in a random column order when fairness probes (sensitive column first)
    /// need them; otherwise none, which measured best (docs/fidelity.md).
    public static let fairnessRandomOrderShare = 0.25
    public static let width = 128
    public static let heads = 4
    public static let warmupSteps = 20
    public static let weightDecay = 0.1
    public static let clipNorm = 1.0
    public static let heldOutShare = 0.05
    /// Rows the fairness term generates as contexts for its probes, and how often (in steps) they are
    /// refreshed.
    public static let fairnessContexts = 4
    public static let fairnessContextRefresh = 25

    // MARK: Under --dp (docs/marginal-prior.md)

    /// Blocks under --dp, where the private defaults were measured; three were not measured there.
    public static let privateLayers = 4
    /// DP-SGD without a prior.
    public static let privateSteps = 300
    public static let privateLearningRate = 1e-3
    /// DP-SGD after the prior refines a model that already fits the marginals: fewer steps, each with
    /// less noise, and a smaller step keeps what the prior gave (the marginal-prior ablation).
    public static let privateStepsAfterPrior = 100
    public static let privateLearningRateAfterPrior = 2e-4
    public static let expectedBatchSize = 256
    /// After the prior, DP-SGD runs only where its effective noise σ/B (`DPNoiseLevel`) is at most
    /// this; above it the prior takes the whole budget (decided on its 1-way measurements' noisy
    /// total), or, with the split asked for, DP-SGD's share stays unused. Adult at ε = 1
    /// and 3 (σ/B 0.0035 and 0.0026 when measured, before 0.43): DP-SGD level with the prior alone or a
    /// little ahead; at ε = 1 under the Rényi filter of 0.44 (0.0053) the split gave 0.901, 0.899 in
    /// boosted trees where the prior alone gave 0.899, 0.896, 0.899, 0.897; at ε = 0.3 (0.0060) it
    /// took TSTR from 0.894 to 0.863; on German credit at ε = 1 (700 rows, 0.076) 2-way TV was
    /// 0.233–0.258 with it, 0.183–0.224 with the prior taking the whole budget, TSTR level within the
    /// noise (docs/budget-plan.md). 0.005 until 0.44.
    public static let largestNoiseAfterPrior = 0.0055

    /// Whether DP-SGD after the prior runs at noise multiplier σ over an expected batch of B rows.
    public static func runsDPSGDAfterPrior(noiseMultiplier: Double, expectedBatchSize: Double) -> Bool {
        DPNoiseLevel(noiseMultiplier: noiseMultiplier, expectedBatchSize: expectedBatchSize).effectiveNoise <= largestNoiseAfterPrior
    }

    /// Whether DP-SGD of `steps` at rate `sampleRate` over an expected `expectedBatchSize` rows, after
    /// what `plan` has charged, would be left out: at the loudest σ allowed (σ/B =
    /// `largestNoiseAfterPrior`) it would take `plan` past its ε. ε falls as σ grows, so this one
    /// evaluation tells, without calibrating σ. Over an expected batch under 19 rows (a tiny table)
    /// the loudest σ allowed is below any σ the accountants answer for (0.1; PLD's grid broke at
    /// 0.005, a table of one row): DP-SGD is left out.
    public static func leavesDPSGDOut(after plan: PrivacyBudgetPlan, sampleRate: Double, expectedBatchSize: Double, steps: Int) -> Bool {
        guard let target = plan.targetEpsilon, steps > 0 else { return false }
        let loudest = largestNoiseAfterPrior * expectedBatchSize
        guard loudest >= PrivacyAccountant.noiseMultipliers.lowerBound else { return true }
        return plan.epsilon(adding: [PrivacyEvent(noiseMultiplier: loudest, sampleRate: sampleRate, steps: steps)]) > target
    }

    /// The same, before a prior of `priorShare` of ε on `rows` rows of `columns` columns: the prior
    /// charged as `PrivatePlan` projects it (`AIMMechanism.projectedEvents`).
    public static func leavesDPSGDOut(plan: PrivacyBudgetPlan, priorShare: Double, columns: Int, rows: Double, expectedBatchSize: Int, steps: Int) -> Bool {
        let rate = min(1, Double(expectedBatchSize) / max(rows, 1))
        return leavesDPSGDOut(plan: plan, priorShare: priorShare, columns: columns, sampleRate: rate, expectedBatchSize: rate * max(rows, 1), steps: steps)
    }

    /// The same at a given rate and expected batch (balanced sampling's largest group rate and
    /// its expected batch, from the released group counts).
    public static func leavesDPSGDOut(plan: PrivacyBudgetPlan, priorShare: Double, columns: Int, sampleRate: Double, expectedBatchSize: Double, steps: Int) -> Bool {
        guard let rho = plan.rho(share: priorShare) else { return false }
        var plan = plan
        plan.record(AIMMechanism.projectedEvents(rho: rho, columns: columns))
        return leavesDPSGDOut(after: plan, sampleRate: sampleRate, expectedBatchSize: expectedBatchSize, steps: steps)
    }

    /// `export --gpu`: DP-SGD sized for a GPU, where a large batch costs little. On one H200
    /// (2026-12-04, Adult's default ε = 1 prior checkpoint) 400 steps of 2,048 expected rows gave TSTR
    /// 0.900 and 2-way TV 0.047, against 0.900 and 0.055 for the CPU's 100 of 256 (docs/gpu-training.md).
    public static let gpuExpectedBatchSize = 2048
    public static let gpuPrivateSteps = 400
    /// A GPU plan's expected batch is at most this share of the rows (a guard, not a measured figure):
    /// on a small table 2,048 rows would be most of it, and Poisson sampling at q near 1 amplifies nothing.
    public static let gpuLargestSampleRate = 0.25
    /// Share of ε the marginal prior spends on its own.
    public static let priorShare = 0.75
    /// At most 750 steps of 128 fresh pseudo rows at 2e-3 (the non-private default's batch and rate):
    /// on Adult 96,000 rows copy the prior more closely than 64,000 did, and 128,000 cost more than
    /// the run's 15 minutes ("How many pseudo rows"); a smaller table gets fewer (`priorPseudoRowsPerRow`).
    public static let priorSteps = 750
    /// The prior stage's pseudo rows for each row of the prior's noisy total, at most (so at most
    /// `priorSteps` steps): what the prior can teach grows with the rows it measured. German credit at
    /// ε = 1 (noisy totals of 697–772), the prior alone: 400 steps (66–73 pseudo rows a row) gave
    /// TSTR 0.652, 0.709, 0.603 in 1.6 min, 750 steps 0.601 and 0.689 in 3 min; 120 steps (with
    /// DP-SGD after them) 0.523–0.562 (docs/budget-plan.md). Adult keeps 750.
    public static let priorPseudoRowsPerRow = 70.0

    /// Prior steps for a noisy total of `noisyRows` rows: enough batches of `batchSize` for
    /// `priorPseudoRowsPerRow` pseudo rows a row, at least one, at most `priorSteps`.
    public static func priorSteps(noisyRows: Int, batchSize: Int) -> Int {
        let wanted = (Double(max(noisyRows, 1)) * priorPseudoRowsPerRow / Double(max(batchSize, 1))).rounded(.up)
        return Int(min(Double(priorSteps), max(1, wanted)))
    }
    /// Noise of the row count a run releases when nothing else gives one (`--prior none` without
    /// `--rows`): the Gaussian mechanism with sensitivity 1, charged; the rate of DP-SGD's sampling is
    /// the expected batch over a count, and a count read off the rows is private.
    public static let countReleaseNoise = 20.0
    public static let priorBatchSize = 128
    /// The target's loss weight in DP-SGD's per-row loss (`--target-weight` under --dp; docs/budget-plan.md).
    public static let privateTargetWeight = 1.0
    /// The target's loss weight on the pseudo rows (`--prior-target-weight`; docs/budget-plan.md).
    public static let priorTargetWeight = 1.0
    public static let priorLearningRate = 2e-3
    /// Noise on the prior's 1-way cells past which it is refused: it would drown any table of a size
    /// tablm trains on.
    public static let largestOneWaySigma = 5000.0
    /// Balanced sampling: the noise on each released group count, and the largest boost of a group's rate.
    public static let balanceCountNoise = 20.0
    public static let balanceMaxBoost = 4.0
    /// Rows a private step processes at once (memory only; the clipped sum does not depend on it).
    public static let microBatch = 32
    /// The most rows a step may ask for (a batch's activations are allocated before it runs).
    public static let largestBatch = 1 << 16
    /// The most rows a table, a declared row count or a request may name; sizes are bounded by it
    /// before anything is allocated.
    public static let largestTable = 100_000_000

    // MARK: Rules

    /// Whether a table of `trainingRows` rows gets the large-table recipe.
    public static func isLarge(trainingRows: Int) -> Bool { trainingRows >= largeTableRows }

    /// Blocks of a new model.
    public static func layers(large: Bool, privately: Bool) -> Int {
        privately ? privateLayers : large ? largeTableLayers : smallTableLayers
    }

    public static func batchSize(large: Bool) -> Int { large ? largeTableBatchSize : smallTableBatchSize }

    public static func learningRate(large: Bool) -> Double { large ? largeTableLearningRate : smallTableLearningRate }

    /// Below this ε the prior takes the whole budget: on Adult at ε = 0.3 the prior alone gave TSTR
    /// 0.894, 0.9 of ε to it 0.889, the 0.75 split 0.863 (AIM alone: 0.888); at ε = 1 and 10 the
    /// prior alone was level with the split (0.901 and 0.900 against 0.899–0.901), so the split stays
    /// there, where DP-SGD gives the real rows a say (docs/budget-plan.md).
    public static let wholeBudgetToPriorBelow = 1.0

    /// The prior's share of ε at a budget of `epsilon` (docs/budget-plan.md).
    public static func priorShare(epsilon: Double?) -> Double {
        guard let epsilon else { return priorShare }
        return epsilon < wholeBudgetToPriorBelow ? 1 : priorShare
    }

    /// DP-SGD's steps and peak rate, after the marginal prior or without it.
    public static func privateSteps(afterPrior: Bool) -> Int { afterPrior ? privateStepsAfterPrior : privateSteps }
    /// DP-SGD's steps in a run: none when the prior takes the whole budget, else `requested` or the recipe's.
    public static func privateSteps(requested: Int?, priorShare: Double?, afterPrior: Bool) -> Int {
        priorShare == 1 ? 0 : requested ?? privateSteps(afterPrior: afterPrior)
    }
    public static func privateLearningRate(afterPrior: Bool) -> Double { afterPrior ? privateLearningRateAfterPrior : privateLearningRate }

    /// A non-private run's length when no steps are given: `epochs` over the training rows, or the
    /// default epochs with at least `minimumSteps`.
    public static func steps(epochs: Double?, trainingRows: Int, batchSize: Int) -> (steps: Int, stepsPerEpoch: Int) {
        let stepsPerEpoch = max(1, Int((Double(trainingRows) / Double(batchSize)).rounded(.up)))
        let epochSteps = Int(((epochs ?? defaultEpochs) * Double(stepsPerEpoch)).rounded(.up))
        return (epochs == nil ? max(epochSteps, minimumSteps) : max(1, epochSteps), stepsPerEpoch)
    }

    /// Steps between held-out scores: a quarter epoch, at least `minimumEvaluateEvery`.
    public static func evaluateEvery(stepsPerEpoch: Int) -> Int { max(minimumEvaluateEvery, stepsPerEpoch / 4) }

    /// The tokenizer trained from the schema alone: field pieces on large tables (docs/fidelity.md,
    /// "Field pieces": on German credit's 665 rows they taught the classifier less), none under --dp
    /// (the private defaults were measured with a lead-in and a value token a field). Columns the
    /// fairness settings act on keep their values apart from their lead-ins.
    public static func tokenizerOptions(large: Bool, privately: Bool, keepApart: [String]) -> TokenizerTrainer.Options {
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = large && !privately ? FieldPieces.defaultBudget : 0
        if !privately { options.keepApart = keepApart }
        return options
    }

    /// The context a new model needs: the longest row the schema allows (so constrained generation
    /// can always finish a row), or the longest training row if that is longer. From the schema alone
    /// when no rows are given: a private run must not size anything from the rows.
    public static func context(tokenizer: Tokenizer, serializer: RowSerializer, rows: [Row]?) throws -> Int {
        let schemaLongest = try RowConstraint(schema: serializer.schema, template: serializer.template, tokenizer: tokenizer).maximumTokens - 1
        guard let rows else { return schemaLongest }
        return max(schemaLongest, try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: rows, context: Int.max).length)
    }
}
