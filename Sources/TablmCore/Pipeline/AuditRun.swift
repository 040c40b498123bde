import Foundation

/// A one-run privacy audit (Steinke, Nasr & Jagielski 2023) of one training run: canaries drawn from
/// the schema's public domain, each added to the table with probability 1/2, one `FinetuneRun` on the
/// result, then the model's likelihood of each canary as its membership score. The count of right
/// guesses gives a lower bound on ε, which under DP must not exceed the accountant's.
public struct AuditRun {
    public var training: FinetuneRequest
    public var canaries: Int
    /// Seed of the canaries and their coins (nil: a fresh random one).
    public var seed: UInt64?
    public var confidence: Double
    /// Folder for the checkpoint and audit.json (created).
    public var work: String
    /// δ of the bound when the run claims none (a non-private run).
    public var delta = 1e-5
    /// The copy of the private rows with the canaries, alive only while training.
    static let tableName = ".audit-table.csv"

    public init(training: FinetuneRequest, canaries: Int, seed: UInt64?, confidence: Double, work: String) {
        self.training = training
        self.canaries = canaries
        self.seed = seed
        self.confidence = confidence
        self.work = work
    }

    /// Trains, scores and writes audit.json; the run's events go to `events`.
    public func run(events: @escaping (FinetuneEvent) -> Void) throws -> AuditReport {
        let owned = OutputDestination.FolderKind(names: ["checkpoint", "audit.json", Self.tableName])
        try OutputDestination.checkFolder(work, option: "--work", what: "audit", kind: owned,
                                          inputs: [training.data, training.schema, training.template, training.tokenizer, training.initFrom], force: false)
        let folder = URL(fileURLWithPath: work)
        // A work folder this run creates goes again if the run is interrupted before it finishes.
        let created = !FileManager.default.fileExists(atPath: work)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let folderCleanup = created ? InterruptCleanup.register(folder) : nil
        defer { folderCleanup.map(InterruptCleanup.forget) }
        // ...and if the run fails before its model is trained: a refusal leaves no folder behind
        // (a trained checkpoint is kept, whatever fails after it).
        var modelTrained = false
        defer { if created && !modelTrained { try? FileManager.default.removeItem(at: folder) } }
        let table = folder.appendingPathComponent(Self.tableName)
        var training = self.training
        training.output = folder.appendingPathComponent("checkpoint").path
        let schema = try SchemaFile.load(path: training.schema)

        let seed = self.seed ?? UInt64.random(in: .min ... .max)
        var generator = SplitMix64(seed: seed)
        let canaries = try AuditCanaries(schema: schema, count: self.canaries, generator: &generator)
        events(.message("audit: \(self.canaries) canaries drawn from the schema's domain, \(canaries.includedRows.count) of them added to \(training.data) (seed \(seed))"))

        // The training table: the rows as they are, the included canaries spread among them. It is
        // a copy of the private rows, so it lives only while training.
        let cleanup = InterruptCleanup.register(table)
        defer {
            try? FileManager.default.removeItem(at: table)
            InterruptCleanup.forget(cleanup)
        }
        try Self.writeTable(real: training.data, canaries: canaries.includedRows, schema: schema, to: table.path, generator: &generator)
        let real = training.data
        training.data = table.path
        try FinetuneRun(training, events: events).run()
        modelTrained = true
        training.data = real

        let trained = try Checkpoint.load(folder: training.output)
        let serializer = RowSerializer(schema: trained.schema, template: trained.template)
        let scores = try RowLikelihood.logLikelihoods(model: trained.model, tokenizer: trained.tokenizer, serializer: serializer, rows: canaries.rows,
                                                      order: trained.scoringOrder())
        let delta = trained.record.privacy?.delta ?? self.delta
        let outcomes = OneRunAudit.audit(scores: scores, included: canaries.included,
                                         guessCounts: OneRunAudit.defaultGuessCounts(canaries: self.canaries), delta: delta, confidence: confidence)
        let best = outcomes.max { $0.epsilonLowerBound < $1.epsilonLowerBound }!
        let report = AuditReport(canaries: self.canaries, included: canaries.included.filter { $0 }.count, seed: seed, confidence: confidence,
                                 delta: delta, accountantEpsilon: trained.record.privacy?.epsilon, epsilonLowerBound: best.epsilonLowerBound,
                                 outcomes: outcomes, scores: scores, memberships: canaries.included)
        try JSONOutput.write(report, to: folder.appendingPathComponent("audit.json").path)
        return report
    }

    /// The header and records of `real` as read, with `canaries` (fields in the header's order,
    /// columns outside the schema left empty) inserted at random positions.
    static func writeTable(real: String, canaries: [Row], schema: Schema, to path: String, generator: inout SplitMix64) throws {
        let reader = try CSVRecordReader(path: real)
        let header = reader.header
        var records: [[String]] = []
        try reader.forEachRecord { records.append($0.fields) }
        let position = Dictionary(header.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for row in canaries {
            var fields = [String](repeating: "", count: header.count)
            for (column, value) in zip(schema.columns, RowDecoder.fields(of: row, schema: schema)) {
                guard let index = position[column.name] else {
                    throw InputError("the schema's column \(quoted: column.name) is not in the header", at: SourceLocation(file: real, line: 1))
                }
                fields[index] = value
            }
            records.insert(fields, at: Int.random(in: 0...records.count, using: &generator))
        }
        let writer = try CSVRecordWriter(path: path, header: header)
        for record in records { try writer.write(record) }
        try writer.commit()
    }
}

/// `audit.json`: the audit's settings, outcome per guess count, and each canary's score and coin.
public struct AuditReport: Encodable, Sendable {
    public var canaries: Int
    public var included: Int
    public var seed: UInt64
    public var confidence: Double
    public var delta: Double
    public var accountantEpsilon: Double?
    public var epsilonLowerBound: Double
    public var outcomes: [OneRunAudit.Outcome]
    public var scores: [Double]
    public var memberships: [Bool]

    enum CodingKeys: String, CodingKey {
        case canaries, included, seed, confidence, delta, accountantEpsilon = "accountant_epsilon"
        case epsilonLowerBound = "epsilon_lower_bound", outcomes, scores, memberships
    }
}
