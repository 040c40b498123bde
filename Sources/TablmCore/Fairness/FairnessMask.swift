/// `generate --mask-fairness`: at sampling time, a fair column's value stops depending on the
/// sensitive column's, in whatever order the model writes them, and without changing anything the
/// model writes before them.
///
/// A row that writes the sensitive value s first draws the fair column's value v with its logits
/// shifted by `logitShift[s][v]`; a row that writes v first draws s with `groupShift[v][s]` added.
/// The shifts are calibrated (`FairnessCalibration`) on a pilot sample of the model's own rows,
/// from the model's own softmax at those two positions, so that every group's distribution of the
/// column becomes (1 − t)·P(v | s) + t·P(v), t the strength: at t = 1 parity, at t = 0 the model as
/// it is; the groups' shares and the column's overall distribution stay as the model has them. It
/// reads the model only, never rows, so it costs no ε.
public struct FairnessMask: Sendable {
    public struct Column: Sendable {
        public let column: Int
        public let values: [String]
        public let tokens: [Int32]
        /// Added to the value's logit in a row of the group: [group][value].
        public var logitShift: [[Float]]
        /// Added to the group's logit in a row that wrote this value first: [value][group].
        public var groupShift: [[Float]]
        /// The model's P(value | group) on the pilot rows, before the mask: [group][value].
        public var conditional: [[Double]]
        /// The model's P(value), the target every group moves toward.
        public var pooled: [Double]
        /// What each group's distribution is calibrated to: [group][value] (set by the calibration).
        public var target: [[Double]] = []
        let valueOfToken: [Int32: Int]

        /// The shift of `token`'s logit for a row of `group` (0 for tokens that are not values).
        func shift(_ token: Int32, group: Int) -> Float { valueOfToken[token].map { logitShift[group][$0] } ?? 0 }

        /// The value a token stands for.
        func value(of token: Int32) -> Int? { valueOfToken[token] }
    }

    /// The groups compared: one categorical column's values, a threshold, or an intersection.
    public let sensitiveGroups: SensitiveGroups
    /// The sensitive column when the groups are one categorical column's values: its value's token
    /// says the group, and a row that writes a fair value first can have its group shifted. For a
    /// threshold or an intersection the sampler reads the group off the values once all are written.
    public let sensitive: Int?
    public let groups: [String]
    /// One token per group (one categorical column only; empty otherwise).
    public let groupTokens: [Int32]
    public var columns: [Column]
    /// From 0 (no change) to 1 (parity).
    public let strength: Double
    /// The model's share of each group on the pilot rows.
    public var groupShares: [Double]
    private let groupOfToken: [Int32: Int]
    private let columnIndex: [Int: Int]

    /// A mask with no shifts yet (the pilot sample is drawn with it, to record what the model does).
    /// `groupTokens` is the one-token spelling of each group, for one categorical column.
    public init(groups: SensitiveGroups, groupTokens: [Int32], columns fair: [FairnessProbes.Column], strength: Double) {
        precondition((0...1).contains(strength), "the strength is in [0, 1]")
        precondition(groups.singleColumn == nil || groupTokens.count == groups.names.count, "one token per group of one column")
        sensitiveGroups = groups
        sensitive = groups.singleColumn
        self.groups = groups.names
        self.groupTokens = groups.singleColumn == nil ? [] : groupTokens
        self.strength = strength
        let count = groups.names.count
        groupShares = [Double](repeating: 1 / Double(max(count, 1)), count: count)
        columns = fair.map { probe in
            Column(column: probe.column, values: probe.values, tokens: probe.tokens,
                   logitShift: [[Float]](repeating: [Float](repeating: 0, count: probe.values.count), count: count),
                   groupShift: [[Float]](repeating: [Float](repeating: 0, count: count), count: probe.values.count),
                   conditional: [], pooled: [], valueOfToken: Dictionary(uniqueKeysWithValues: zip(probe.tokens, probe.tokens.indices)))
        }
        groupOfToken = Dictionary(uniqueKeysWithValues: zip(self.groupTokens, self.groupTokens.indices))
        columnIndex = Dictionary(uniqueKeysWithValues: columns.enumerated().map { ($1.column, $0) })
    }

    /// The mask of the probes' sensitive column and fair columns.
    public init(probes: FairnessProbes, strength: Double, schema: Schema) throws {
        self.init(groups: try SensitiveGroups(parsing: schema.columns[probes.sensitive].name, schema: schema),
                  groupTokens: probes.groupTokens, columns: probes.columns, strength: strength)
    }

    /// The group a sensitive-value token stands for.
    func group(of token: Int32) -> Int? { groupOfToken[token] }

    /// The index in `columns` of the fair column `column` of the schema, if it is one.
    func fairColumnIndex(_ column: Int) -> Int? { columnIndex[column] }

    /// The shift of a sensitive-value token in a row whose fair values so far are `values` (nil:
    /// not written yet), summed over the fair columns written.
    func groupShift(_ token: Int32, values: [Int?]) -> Float {
        guard let group = groupOfToken[token] else { return 0 }
        var total: Float = 0
        for (c, value) in values.enumerated() { if let value { total += columns[c].groupShift[value][group] } }
        return total
    }
}
