/// `tablm prior`: the marginal prior alone at the whole budget (the same release `finetune --dp`
/// learns from), its pseudo rows written as CSV, with no language model.
public struct PriorRun {
    public var schema: String
    public var data: String
    public var epsilon: Double
    public var delta = 1e-5
    public var accountant = PrivacyAccountant.Method.pld
    /// Rows to write (nil: the prior's noisy total).
    public var rows: Int?
    public var aim = AIMSettings()
    /// Seed of the sampling of rows from the fitted model (post-processing; not the noise).
    public var seed: UInt64 = 0
    /// Seeds the noise (tests only: the guarantee is void).
    public var insecureSeed: UInt64?
    public var output: String

    public init(schema: String, data: String, epsilon: Double, output: String) {
        self.schema = schema
        self.data = data
        self.epsilon = epsilon
        self.output = output
    }

    public func run(report: (String) -> Void = { _ in }) throws {
        try OutputDestination.checkFile(output, option: "-o", inputs: [self.schema, data])
        let schema = try SchemaFile.load(path: self.schema)
        guard schema.source != .data else {
            throw InputError("the schema says \"source\": \"data\": it was read off rows; the prior needs a public schema", at: SourceLocation(file: self.schema))
        }
        if aim.measuresTargetPairs, schema.target == nil {
            throw OptionError("--target-pairs needs a target column in the schema (tablm schema infer --target)")
        }
        var plan = try PrivacyBudgetPlan(method: accountant, targetEpsilon: epsilon, delta: delta, schemaCost: schema.privacyCost)
        _ = try PriorStage.budget(plan: plan, share: 1, settings: aim, columns: schema.columns.count, advice: "raise --epsilon")
        let table = try TableData.read(path: data, schema: schema, policy: .fit)
        var generator = insecureSeed.map { ChaCha20Generator(insecureSeed: $0) } ?? ChaCha20Generator()
        if insecureSeed != nil { report("warning: --insecure-seed makes the noise predictable; the privacy guarantee does not hold for this run") }
        let release = try PriorStage.release(rows: table.rows, schema: schema, plan: &plan, share: 1, settings: aim, generator: &generator,
                                             advice: "raise --epsilon", report: report)
        // As finetune --dp says: δ at or above 1/rows lets a mechanism publish a row outright (the
        // count is the fit's noisy total, post-processing).
        if let warning = PrivacyBudgetPlan.deltaWarning(delta: delta, rows: Double(release.noisyRowCount)) { report(warning) }
        var sampler = SplitMix64(seed: seed)
        let count = rows ?? release.noisyRowCount
        let writer = try CSVRecordWriter(path: output, header: schema.columnNames)
        for row in release.pseudoRows(count: count, using: &sampler) { try writer.write(RowDecoder.fields(of: row, schema: schema)) }
        try writer.commit()
        report(String(format: "prior: %d rows -> %@; (ε = %.4f, δ = %.1e)-DP for each row of %@ (%@ accountant)", count, output, plan.epsilon(), delta, data,
                      plan.accountant.composedBy.rawValue.uppercased()))
    }
}
