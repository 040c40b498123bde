import ArgumentParser
import Foundation
import TablmCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample synthetic rows from a checkpoint and write them as CSV.",
        discussion: """
        Decoding is constrained by the schema: only tokens that keep the row valid are sampled (each \
        column once, categories from the list, numbers inside their range at the schema's precision), \
        so every row fits. --condition fixes or narrows columns (sex=Female, race=White|Black, age>=40, \
        hours_per_week=35..45); conditioned columns are written first and the rest is generated given them.

        --logit-noise adds Gaussian noise to the logits before sampling. It makes rows more varied; it \
        is NOT a differential-privacy mechanism and carries no epsilon. Privacy comes from training \
        with finetune --dp.

        --mask-fairness makes the --fair-columns (default: the schema's target) independent of the \
        --sensitive column (default: the schema's first sensitive one): the model is probed for \
        P(value | group) and P(group), and each row's value logits are shifted toward the pooled \
        P(value); values only one group would take are masked. It reads the model only, never rows. \
        The per-group shares before and after go to stderr.

        A checkpoint trained with --balance-groups learned the groups in a balanced mix; its rows are \
        brought back to the table's group shares (from the counts released in training, no privacy \
        cost) unless --keep-balanced-mix is given.
        """
    )

    @Option(help: "Checkpoint folder.") var checkpoint: String
    @Option(help: "Rows to sample.") var rows = 1000
    @Option(name: .customLong("workers"), help: "Cores to sample on (default: all, at most 8); the rows do not depend on it.") var workerCount: Int?
    var workers: Int { workerCount ?? ModelWorkers.defaultCount }
    @Option(help: "Sampling temperature.") var temperature = 1.0
    @Option(help: "Sample from the k most likely tokens only (0: all).") var topK = 0
    @Option(help: "Sequences decoded together.") var batchSize = 64
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Condition on a column (repeatable): col=v, col=a|b, col>=x, col<x, col=lo..hi.") var condition: [String] = []
    @Option(help: "Standard deviation of Gaussian noise on the logits (diversity only; no privacy guarantee).") var logitNoise = 0.0
    @Flag(help: "Write the columns in the order the model was trained in (recorded in training.json; the schema's order if none) instead of letting the model choose. The default when the checkpoint was trained in one order.") var fixedOrder = false
    @Flag(help: "Let the model choose the next column even when it was trained in one order.") var freeOrder = false
    @Flag(help: "Make the fair columns' values independent of the sensitive column (see above).") var maskFairness = false
    @OptionGroup var fairness: FairnessOptions
    @Flag(help: "After --balance-groups training, keep the balanced mix of the sensitive groups instead of restoring the table's shares (from the released counts).") var keepBalancedMix = false
    @Flag(help: "Sample without the schema constraint (rows that do not fit are dropped and counted).") var unconstrained = false
    @Option(name: .shortAndLong, help: "Output CSV file.") var output: String

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        try fairness.refuseWithout("--mask-fairness", enabled: maskFairness)
        if maskFairness && unconstrained { throw ValidationError("--mask-fairness needs the schema constraint (drop --unconstrained)") }
    }

    func run() throws {
        let loaded = try Checkpoint.load(folder: checkpoint)
        let serializer = RowSerializer(schema: loaded.schema, template: loaded.template)
        let writer = try CSVRecordWriter(path: output, header: loaded.schema.columnNames)
        var settings = SamplingSettings()
        settings.temperature = temperature
        settings.topK = topK
        settings.batchSize = batchSize
        settings.seed = seed
        settings.logitNoise = logitNoise
        var conditions = try condition.map(ColumnCondition.parse)
        // A checkpoint trained in one order is sampled in it (conditions first, then that order).
        let trainedOrder = try ColumnOrderChoice.orders(recorded: loaded.record.columnOrders, schema: loaded.schema).flatMap { $0.count == 1 ? $0[0] : nil }
        let onlyOneOrder = trainedOrder != nil && (loaded.record.randomOrderShare ?? 0) == 0
        var fairnessMask: FairnessMask?
        if maskFairness {
            let mask = try FairnessMask(model: loaded.model, probes: fairness.probes(for: "--mask-fairness", serializer: serializer,
                                                                                     tokenizer: loaded.tokenizer))
            // The sensitive column goes first (as a condition allowing every value), so its value is known when the others are drawn.
            let column = loaded.schema.columns[mask.sensitive]
            // Its probes (`<s>sex is Female, income is`) put the sensitive column first: measured on
            // Adult at ε = 1, a one-order model gave TV 0.110 and kept half the gap (docs/fairness.md).
            if onlyOneOrder, trainedOrder?.first != mask.sensitive {
                throw ValidationError("--mask-fairness writes \(quoted: column.name) first, and this checkpoint was trained with its columns in one order that does not start with it; train it with --random-order-share 0.25 (or --column-orders random)")
            }
            if !conditions.contains(where: { $0.column == column.name }) {
                conditions.insert(ColumnCondition(column: column.name, restriction: .values(mask.groups)), at: 0)
            }
            fairnessMask = mask
        }
        // Conditioned columns are written first: a prefix of the trained order is one the model has seen.
        let conditioned = Set(conditions.compactMap { loaded.schema.index(of: $0.column) })
        if onlyOneOrder, let trainedOrder, !conditioned.isEmpty, fairnessMask == nil, Set(trainedOrder.prefix(conditioned.count)) != conditioned {
            let first = trainedOrder.prefix(3).map { loaded.schema.columns[$0].name }.joined(separator: ", ")
            log("warning: this checkpoint was trained in one column order only (\(first), ...); conditioned columns, written first, come in an order it never saw: train with --random-order-share 0.25 for conditioned generation, or condition on the order's first columns")
        }
        var constraint: RowConstraint?
        if unconstrained {
            guard condition.isEmpty else { throw ValidationError("--condition needs the schema constraint (drop --unconstrained)") }
        } else {
            constraint = try RowConstraint(schema: loaded.schema, template: loaded.template, tokenizer: loaded.tokenizer,
                                           conditions: conditions, fixedOrder: fixedOrder || (!freeOrder && trainedOrder != nil),
                                           order: trainedOrder)
            // Positions needed: <s> and the row's tokens; </s> is sampled from the last one, never fed.
            let needed = constraint!.maximumTokens - 1
            if needed > loaded.model.config.contextLength {
                log("warning: the longest row the schema allows needs \(needed) positions, the model's context is \(loaded.model.config.contextLength); rows that run out of context are dropped")
            }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var sampler = RowSampler(model: loaded.model, tokenizer: loaded.tokenizer, serializer: serializer, constraint: constraint,
                                 fairness: fairnessMask)
        if let balance = loaded.record.privacy?.balance, !keepBalancedMix {
            guard constraint != nil else { throw ValidationError("restoring the group shares of a --balance-groups checkpoint needs the schema constraint (drop --unconstrained, or add --keep-balanced-mix)") }
            sampler.groupShares = try GroupShareCorrection(balance: balance, template: loaded.template, tokenizer: loaded.tokenizer)
            let trained = balance.trainedShares, table = balance.tableShares
            let shares = balance.groups.indices.map { g in
                String(format: "%@ %.3f -> %.3f", balance.name(ofGroup: g), trained[g], table[g])
            }
            log("generate: trained with --balance-groups; \(balance.column) shares restored from the released counts (trained mix -> table): \(shares.joined(separator: ", "))")
        }
        var clock = ProgressClock(totalSteps: rows)
        let result = sampler.sample(count: rows, settings: settings, workers: workers) { done in
            if clock.due(done: done) {
                log(String(format: "generate: %d/%d rows  %.0f rows/s", done, rows, clock.rate(done: done)) + clock.eta(step: done))
            }
        }
        if result.rows.isEmpty && rows > 0 {
            throw InputError("none of the \(rows) rows sampled fits the schema (\(result.examples.first ?? "no reason given")); nothing written",
                             at: SourceLocation(file: checkpoint))
        }
        for row in result.rows { try writer.write(RowDecoder.fields(of: row, schema: loaded.schema)) }
        try writer.commit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        log(String(format: "generate: %d of %d rows fit the schema (%.1f%%), %d dropped; %.0f tokens/s -> %@",
                   result.rows.count, rows, 100 * Double(result.rows.count) / Double(max(rows, 1)), result.invalid,
                   Double(result.tokens) / seconds, output))
        for example in result.examples { log("  dropped: \(example)") }
        if let fairnessMask { reportFairness(fairnessMask, rows: result.rows, schema: loaded.schema) }
    }

    /// Per group: the model's P(value | group) from the probes, the pooled target, and the shares generated.
    private func reportFairness(_ mask: FairnessMask, rows: [Row], schema: Schema) {
        let sensitiveName = schema.columns[mask.sensitive].name
        let fields = rows.map { RowDecoder.fields(of: $0, schema: schema) }
        for column in mask.columns {
            log("mask-fairness: \(schema.columns[column.column].name) by \(sensitiveName) (model's probe -> generated share; pooled target)")
            for (g, group) in mask.groups.enumerated() {
                let members = fields.filter { $0[mask.sensitive] == group }
                let shares = column.values.indices.map { v in
                    Double(members.filter { $0[column.column] == column.values[v] }.count) / Double(max(members.count, 1))
                }
                let cells = column.values.indices.map { v in
                    String(format: "%@ %.3f -> %.3f", column.values[v], column.conditional[g][v], shares[v])
                }
                log("  \(group) (\(members.count) rows): " + cells.joined(separator: ", "))
            }
            log("  pooled target: " + column.values.indices.map { String(format: "%@ %.3f", column.values[$0], column.pooled[$0]) }.joined(separator: ", "))
        }
    }
}
