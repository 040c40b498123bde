/// What `generate` is asked for: the checkpoint, how many rows, how to decode them, and where to
/// write them.
public struct GenerateRequest: Sendable {
    /// The most rows one `generate` (or `prior`) writes: held in memory before the atomic write, so
    /// bounded before anything is allocated (`--rows 1e12` aborted on allocation).
    public static let largestRows = 10_000_000

    public var checkpoint: String
    /// Rows to write (nil: as many as the table the checkpoint was trained on, as far as its record
    /// may say, `TrainingRecord.tableRows`; else `defaultRows`).
    public var rows: Int?
    /// Rows written when neither `rows` nor the checkpoint's record gives a count.
    public static let defaultRows = 1000
    public var output: String
    public var workers = ModelWorkers.defaultCount
    public var temperature = 1.0
    public var topK = 0
    /// Sequences decoded together.
    public var batchSize = 64
    public var seed: UInt64 = 0
    /// Conditions as written by the user (`sex=Female`, `age>=40`), parsed by `ColumnCondition.parse`.
    public var conditions: [String] = []
    /// Gaussian noise on the logits (diversity only; no privacy guarantee).
    public var logitNoise = 0.0
    public var fixedOrder = false
    public var freeOrder = false
    /// Makes the fair columns independent of the sensitive one (`FairnessMask`).
    public var maskFairness = false
    /// How far the mask moves each group toward the pooled distribution: 0 the model, 1 parity.
    public var fairnessStrength = 1.0
    /// Rows of the model's own the mask is calibrated on (nil: `pilotRows(for:)`).
    public var maskPilotRows: Int?

    /// The mask's pilot by default: half the rows asked for, from 4,000 to 16,000. Its noise should
    /// not exceed the rows' own: on Adult at ε = 1 (32,561 rows) a 4,000-row pilot left a gap of
    /// 0.021, a 16,000-row one 0.005 (docs/fairness.md).
    public static func pilotRows(for rows: Int) -> Int { min(max(rows / 2, 4000), 16_000) }
    /// The default pilot then grows until its rarest group has this many rows where the mask acts
    /// (a rate's standard error about 0.015): on German credit's `personal_status`, whose smallest
    /// group is 2.9 % of the rows, 10,000 pilot rows left a gap of 0.037 and 40,000 one of 0.018.
    public static let pilotObservationsPerGroup = 1000
    /// ... up to this many pilot rows.
    public static let largestPilotRows = 64_000
    public var fairness = FairnessColumns()
    /// On a private checkpoint whose prior kept its fit's joints (`PriorRecord.released`), match the
    /// target's rate in each group of the sensitive column (the one named, else the schema's first)
    /// to the prior's: DP-SGD's clipping and noise pull the rarer class down (Adult at ε = 1: >50K
    /// in 21.3 % of the rows against the prior's and the table's 24.1 %). With the mask, the prior's
    /// rates are what it moves from. Free: it reads the model and the released fit only.
    public var matchPrior = true
    /// After balanced sampling in training, keep the balanced mix instead of restoring the table's shares.
    public var keepBalancedMix = false
    /// Sample without the schema constraint (rows that do not fit are dropped and counted).
    public var unconstrained = false

    public init(checkpoint: String, rows: Int?, output: String) {
        self.checkpoint = checkpoint
        self.rows = rows
        self.output = output
    }
}

/// What `GenerateRun` tells its caller while it works.
public enum GenerateEvent: Sendable {
    case message(String)
    /// Sampling begins: the caller can start its clock.
    case started(total: Int)
    /// Rows sampled so far, of `total`.
    case progress(done: Int, total: Int)
}
