import ArgumentParser
import Foundation
import TablmCore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check a training run's privacy from outside: canaries in one run, and the ε they prove beside the accountant's.",
        discussion: """
        A one-run privacy audit (Steinke, Nasr & Jagielski 2023): --canaries rows drawn uniformly from the \
        schema's public domain, each added to --data with probability 1/2, then one training run with the \
        finetune options given after the audit's own (the same as tablm finetune takes, without -o). The \
        model's likelihood of each canary is its membership score; the auditor guesses "in" for the highest \
        and "out" for the lowest, and the count of right guesses gives a lower bound on ε at --confidence. \
        Under --dp it must not exceed the accountant's ε; a run that leaks shows a bound clearly above 0.

        The bound holds for the training as run, on this table; it is a check of the implementation, not a \
        proof of privacy: a small bound says the attack found nothing, not that there is nothing.

        Example: tablm audit --work audit-e1 --dp --epsilon 1 --schema S.json --data train.csv
        """
    )

    @Option(help: "Canary rows (each included with probability 1/2).") var canaries = 1000
    @Option(help: "Seed of the canaries and their coins (default: a fresh random one).") var auditSeed: UInt64?
    @Option(help: "Confidence of the lower bound.") var confidence = 0.95
    @Option(help: "Folder for the checkpoint and audit.json (created).") var work: String
    @Argument(parsing: .allUnrecognized, help: "The options of tablm finetune for the run (--schema and --data included, -o not).")
    var finetuneArguments: [String] = []

    func validate() throws {
        guard canaries >= 10 else { throw ValidationError("--canaries must be at least 10") }
        guard confidence > 0.5 && confidence < 1 else { throw ValidationError("--confidence must be in (0.5, 1)") }
        guard !finetuneArguments.contains(where: { ["-o", "--output", "--resume"].contains($0) }) else {
            throw ValidationError("the audit writes its own checkpoint (into --work) and trains from scratch: drop -o/--output and --resume")
        }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: work)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let checkpoint = folder.appendingPathComponent("checkpoint").path
        let table = folder.appendingPathComponent(".audit-table.csv")
        var finetune = try FinetuneCommand.parse(finetuneArguments + ["-o", checkpoint])
        let schema = try SchemaFile.load(path: finetune.rowText.schema)

        let seed = auditSeed ?? UInt64.random(in: .min ... .max)
        var generator = SplitMix64(seed: seed)
        let canaries = try AuditCanaries(schema: schema, count: self.canaries, generator: &generator)
        log("audit: \(self.canaries) canaries drawn from the schema's domain, \(canaries.includedRows.count) of them added to \(finetune.data) (seed \(seed))")

        // The training table: the rows as they are, the included canaries spread among them. It is
        // a copy of the private rows, so it lives only while training.
        let cleanup = InterruptCleanup.register(table)
        defer {
            try? FileManager.default.removeItem(at: table)
            InterruptCleanup.forget(cleanup)
        }
        try writeTable(real: finetune.data, canaries: canaries.includedRows, schema: schema, to: table.path, generator: &generator)
        finetune.data = table.path
        try finetune.run()

        let trained = try Checkpoint.load(folder: checkpoint)
        let serializer = RowSerializer(schema: trained.schema, template: trained.template)
        let scores = try RowLikelihood.logLikelihoods(model: trained.model, tokenizer: trained.tokenizer, serializer: serializer, rows: canaries.rows,
                                                      order: ColumnOrderChoice.scoringOrder(of: trained))
        let delta = trained.record.privacy?.delta ?? finetune.privacy.delta
        let outcomes = OneRunAudit.audit(scores: scores, included: canaries.included,
                                         guessCounts: OneRunAudit.defaultGuessCounts(canaries: self.canaries), delta: delta, confidence: confidence)
        for outcome in outcomes {
            log(String(format: "audit: %4d guesses, %4d right (%.1f%%): ε ≥ %.3f", outcome.guesses, outcome.correct,
                       100 * Double(outcome.correct) / Double(max(outcome.guesses, 1)), outcome.epsilonLowerBound))
        }
        let best = outcomes.max { $0.epsilonLowerBound < $1.epsilonLowerBound }!
        let claimed = trained.record.privacy?.epsilon
        let verdict: String
        if let claimed {
            verdict = best.epsilonLowerBound <= claimed ? "at or below the accountant's ε = \(String(format: "%.4f", claimed))"
                : "ABOVE the accountant's ε = \(String(format: "%.4f", claimed)): the run leaked more than it claims"
        } else {
            verdict = "(not private: no ε claimed)"
        }
        log(String(format: "audit: ε lower bound %.3f at %.0f%% confidence (Bonferroni over %d guess counts), ", best.epsilonLowerBound,
                   100 * confidence, outcomes.count) + verdict)

        let report = AuditReport(canaries: self.canaries, included: canaries.included.filter { $0 }.count, seed: seed, confidence: confidence,
                                 delta: delta, accountantEpsilon: claimed, epsilonLowerBound: best.epsilonLowerBound,
                                 outcomes: outcomes,
                                 scores: scores, memberships: canaries.included)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFileWriter.write(try encoder.encode(report), to: folder.appendingPathComponent("audit.json").path)
        print(String(format: "%.6f", best.epsilonLowerBound))
        if let claimed, best.epsilonLowerBound > claimed { throw ExitCode(3) }
    }

    /// The header and records of `real` as read, with `canaries` (fields in the header's order,
    /// columns outside the schema left empty) inserted at random positions.
    private func writeTable(real: String, canaries: [Row], schema: Schema, to path: String, generator: inout SplitMix64) throws {
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
struct AuditReport: Encodable {
    var canaries: Int
    var included: Int
    var seed: UInt64
    var confidence: Double
    var delta: Double
    var accountantEpsilon: Double?
    var epsilonLowerBound: Double
    var outcomes: [OneRunAudit.Outcome]
    var scores: [Double]
    var memberships: [Bool]

    enum CodingKeys: String, CodingKey {
        case canaries, included, seed, confidence, delta, accountantEpsilon = "accountant_epsilon"
        case epsilonLowerBound = "epsilon_lower_bound", outcomes, scores, memberships
    }
}
