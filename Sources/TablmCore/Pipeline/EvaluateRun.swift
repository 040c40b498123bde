import Foundation

/// What `evaluate` is asked for: the real training and test tables, the synthetic one, and where the
/// reports go. It reads the real rows: its reports are for the data owner, not for release.
public struct EvaluateRequest: Sendable {
    public var train: String
    public var test: String
    public var synthetic: String
    public var schema: String
    /// nil: the schema's `target`.
    public var target: String?
    /// nil: the schema's first sensitive column, if it names any.
    public var sensitive: String?
    /// The checkpoint that made the rows: its record, its likelihood attack, the model as a classifier.
    public var checkpoint: String?
    public var json: String?
    public var html: String?
    /// Another synthetic table of the same model (the rows before `--mask-fairness`), evaluated the
    /// same way and reported beside this one.
    public var before: String?

    public init(train: String, test: String, synthetic: String, schema: String, target: String? = nil) {
        self.train = train
        self.test = test
        self.synthetic = synthetic
        self.schema = schema
        self.target = target
    }
}

/// Reads the tables (rows that do not fit the schema left out and counted), runs `Evaluation`, and
/// writes the JSON and HTML reports asked for; both state the run's context (files, rows, release,
/// date, machine).
public enum EvaluateRun {
    /// The schema, and the target and sensitive groups the request names (else the schema's),
    /// checked against it: what `sweep` checks for every point before it trains.
    public static func columns(_ request: EvaluateRequest) throws -> (schema: Schema, target: String, sensitive: String?) {
        let schema = try SchemaFile.load(path: request.schema)
        guard let target = request.target ?? schema.target else {
            throw OptionError("--target is needed: the schema names no target column")
        }
        let sensitive = request.sensitive ?? schema.sensitive.first
        _ = try Evaluation.columns(schema: schema, target: target, sensitive: sensitive)
        return (schema, target, sensitive)
    }

    /// Test rows that are the training rows scored TRTR on its own rows (1.000) and blinded the
    /// membership attack (members and non-members the same rows) beside a 100 % copy rate.
    public static func refuseTestIsTrain(train: String, test: String) throws {
        if OutputDestination.sameFile(train, test) {
            throw OptionError("--test \(test) is the file of --data: test rows must be rows no model was trained on (a held-out split)")
        }
    }

    public static func run(_ request: EvaluateRequest, report message: (String) -> Void = { _ in }) throws -> EvaluationReport {
        let inputs = [request.train, request.test, request.synthetic, request.schema, request.checkpoint, request.before]
        if let json = request.json, let html = request.html, OutputDestination.resolved(json) == OutputDestination.resolved(html) {
            throw OptionError("-o \(html) and --json \(json) name the same file; give each report its own")
        }
        if let json = request.json { try OutputDestination.checkFile(json, option: "--json", inputs: inputs) }
        if let html = request.html { try OutputDestination.checkFile(html, option: "-o", inputs: inputs + [request.json]) }
        try refuseTestIsTrain(train: request.train, test: request.test)
        let (schema, target, sensitive) = try columns(request)
        func read(_ path: String) throws -> TableData {
            let table = try TableData.read(path: path, schema: schema, policy: .skip)
            guard !table.rows.isEmpty else {
                throw InputError(table.records == 0 ? "no rows" : "none of its \(table.records) rows fits the schema \(request.schema)", at: SourceLocation(file: path))
            }
            return table
        }
        let real = try read(request.train), held = try read(request.test), synthetic = try read(request.synthetic)
        let before = try request.before.map(read)
        for (name, table) in [(request.train, real), (request.test, held)] where table.rows.count < table.records {
            message("note: \(table.records - table.rows.count) rows of \(name) do not fit the schema and are left out")
        }
        let loaded = try request.checkpoint.map { try Checkpoint.load(folder: $0) }
        var likelihood: (([Row]) throws -> [Double])?
        if let loaded {
            guard loaded.schema.columnNames == schema.columnNames else {
                throw InputError("the checkpoint's schema has other columns than --schema", at: SourceLocation(file: request.checkpoint!))
            }
            // The report states the record's ε: only once its events are seen to compose to no more.
            if let privacy = loaded.record.privacy {
                let record = URL(fileURLWithPath: request.checkpoint!).appendingPathComponent(Checkpoint.recordFile).path
                _ = try PrivacyBudgetPlan.verified(record: privacy, steps: loaded.record.steps, file: record)
            }
            let serializer = RowSerializer(schema: loaded.schema, template: loaded.template)
            let order = try loaded.scoringOrder()
            likelihood = { try RowLikelihood.logLikelihoods(model: loaded.model, tokenizer: loaded.tokenizer, serializer: serializer, rows: $0, order: order) }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        message("evaluate: \(real.rows.count) training, \(held.rows.count) test, \(synthetic.rows.count) synthetic rows")
        var report = try Evaluation.run(schema: schema, train: real.rows, test: held.rows, synthetic: synthetic.rows, syntheticTotal: synthetic.records,
                                        target: target, sensitive: sensitive, privacy: loaded?.record.privacy, rowLogLikelihood: likelihood,
                                        progress: { stage in
                                            message("evaluate: \(stage) (\(String(format: "%.0f", Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)) s)")
                                        })
        if let before, let path = request.before {
            message("evaluate: the rows before, \(path)")
            let earlier = try Evaluation.run(schema: schema, train: real.rows, test: held.rows, synthetic: before.rows, syntheticTotal: before.records,
                                             target: target, sensitive: sensitive, privacy: nil)
            report.before = EvaluationReport.Before(synthetic: path, report: earlier)
        }
        var tables = [ReportContext.Table(role: "real training rows", path: request.train, rowsRead: real.records, rowsKept: real.rows.count),
                      ReportContext.Table(role: "real test rows", path: request.test, rowsRead: held.records, rowsKept: held.rows.count),
                      ReportContext.Table(role: "synthetic rows", path: request.synthetic, rowsRead: synthetic.records, rowsKept: synthetic.rows.count)]
        if let before, let name = request.before {
            tables.append(ReportContext.Table(role: "synthetic rows before", path: name, rowsRead: before.records, rowsKept: before.rows.count))
        }
        let context = ReportContext(tables: tables, schema: request.schema, checkpoint: request.checkpoint, target: target,
                                    sensitive: sensitive.map { request.sensitive == nil ? "\($0) (from the schema)" : $0 })
        if let json = request.json { try JSONOutput.write(EvaluationRecord(report: report, context: context), to: json) }
        if let path = request.html {
            try AtomicFileWriter.write(Data(EvaluationHTML.page(report, title: "tablm evaluate: \(request.synthetic)", context: context).utf8), to: path)
            message("evaluate: report -> \(path)")
        }
        return report
    }
}
