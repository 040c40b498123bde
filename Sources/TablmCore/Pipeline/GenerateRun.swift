import Foundation

/// Samples rows from a checkpoint and writes them as CSV: conditions first, then the order the model
/// was trained in (or its own choice), under the schema's constraint, with the fairness mask and
/// the restoration of group shares after balanced training. Reads the model only, never rows.
public struct GenerateRun {
    public let request: GenerateRequest
    let events: (GenerateEvent) -> Void

    public init(_ request: GenerateRequest, events: @escaping (GenerateEvent) -> Void = { _ in }) {
        self.request = request
        self.events = events
    }

    func message(_ text: String) { events(.message(text)) }

    /// Writes the rows; returns how many fit the schema.
    @discardableResult
    public func run() throws -> Int {
        let loaded = try Checkpoint.load(folder: request.checkpoint)
        let serializer = RowSerializer(schema: loaded.schema, template: loaded.template)
        let writer = try CSVRecordWriter(path: request.output, header: loaded.schema.columnNames)
        var settings = SamplingSettings()
        settings.temperature = request.temperature
        settings.topK = request.topK
        settings.batchSize = request.batchSize
        settings.seed = request.seed
        settings.logitNoise = request.logitNoise
        var conditions = try request.conditions.map(ColumnCondition.parse)
        // A checkpoint trained in one order is sampled in it (conditions first, then that order).
        let trainedOrder = try ColumnOrderChoice.orders(recorded: loaded.record.columnOrders, schema: loaded.schema).flatMap { $0.count == 1 ? $0[0] : nil }
        let onlyOneOrder = trainedOrder != nil && (loaded.record.randomOrderShare ?? 0) == 0
        var fairnessMask: FairnessMask?
        if request.maskFairness {
            let mask = try FairnessMask(model: loaded.model, probes: request.fairness.probes(for: "--mask-fairness", serializer: serializer,
                                                                                             tokenizer: loaded.tokenizer))
            // The sensitive column goes first (as a condition allowing every value), so its value is known when the others are drawn.
            let column = loaded.schema.columns[mask.sensitive]
            // Its probes (`<s>sex is Female, income is`) put the sensitive column first: measured on
            // Adult at ε = 1, a one-order model gave TV 0.110 and kept half the gap (docs/fairness.md).
            if onlyOneOrder, trainedOrder?.first != mask.sensitive {
                throw OptionError("--mask-fairness writes \(quoted: column.name) first, and this checkpoint was trained with its columns in one order that does not start with it; train it with --random-order-share 0.25 (or --column-orders random)")
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
            message("warning: this checkpoint was trained in one column order only (\(first), ...); conditioned columns, written first, come in an order it never saw: train with --random-order-share 0.25 for conditioned generation, or condition on the order's first columns")
        }
        var constraint: RowConstraint?
        if request.unconstrained {
            guard request.conditions.isEmpty else { throw OptionError("--condition needs the schema constraint (drop --unconstrained)") }
        } else {
            constraint = try RowConstraint(schema: loaded.schema, template: loaded.template, tokenizer: loaded.tokenizer,
                                           conditions: conditions, fixedOrder: request.fixedOrder || (!request.freeOrder && trainedOrder != nil),
                                           order: trainedOrder)
            // Positions needed: <s> and the row's tokens; </s> is sampled from the last one, never fed.
            let needed = constraint!.maximumTokens - 1
            if needed > loaded.model.config.contextLength {
                message("warning: the longest row the schema allows needs \(needed) positions, the model's context is \(loaded.model.config.contextLength); rows that run out of context are dropped")
            }
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var sampler = RowSampler(model: loaded.model, tokenizer: loaded.tokenizer, serializer: serializer, constraint: constraint,
                                 fairness: fairnessMask)
        if let balance = loaded.record.privacy?.balance, !request.keepBalancedMix {
            guard constraint != nil else { throw OptionError("restoring the group shares of a --balance-groups checkpoint needs the schema constraint (drop --unconstrained, or add --keep-balanced-mix)") }
            sampler.groupShares = try GroupShareCorrection(balance: balance, template: loaded.template, tokenizer: loaded.tokenizer)
            let trained = balance.trainedShares, table = balance.tableShares
            let shares = balance.groups.indices.map { g in
                String(format: "%@ %.3f -> %.3f", balance.name(ofGroup: g), trained[g], table[g])
            }
            message("generate: trained with --balance-groups; \(balance.column) shares restored from the released counts (trained mix -> table): \(shares.joined(separator: ", "))")
        }
        let rows = request.rows
        events(.started(total: rows))
        let result = sampler.sample(count: rows, settings: settings, workers: request.workers) { done in
            events(.progress(done: done, total: rows))
        }
        if result.rows.isEmpty && rows > 0 {
            throw InputError("none of the \(rows) rows sampled fits the schema (\(result.examples.first ?? "no reason given")); nothing written",
                             at: SourceLocation(file: request.checkpoint))
        }
        for row in result.rows { try writer.write(RowDecoder.fields(of: row, schema: loaded.schema)) }
        try writer.commit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        message(String(format: "generate: %d of %d rows fit the schema (%.1f%%), %d dropped; %.0f tokens/s -> %@",
                       result.rows.count, rows, 100 * Double(result.rows.count) / Double(max(rows, 1)), result.invalid,
                       Double(result.tokens) / seconds, request.output))
        for example in result.examples { message("  dropped: \(example)") }
        if let fairnessMask { reportFairness(fairnessMask, rows: result.rows, schema: loaded.schema) }
        return result.rows.count
    }

    /// Per group: the model's P(value | group) from the probes, the pooled target, and the shares generated.
    private func reportFairness(_ mask: FairnessMask, rows: [Row], schema: Schema) {
        let sensitiveName = schema.columns[mask.sensitive].name
        let fields = rows.map { RowDecoder.fields(of: $0, schema: schema) }
        for column in mask.columns {
            message("mask-fairness: \(schema.columns[column.column].name) by \(sensitiveName) (model's probe -> generated share; pooled target)")
            for (g, group) in mask.groups.enumerated() {
                let members = fields.filter { $0[mask.sensitive] == group }
                let shares = column.values.indices.map { v in
                    Double(members.filter { $0[column.column] == column.values[v] }.count) / Double(max(members.count, 1))
                }
                let cells = column.values.indices.map { v in
                    String(format: "%@ %.3f -> %.3f", column.values[v], column.conditional[g][v], shares[v])
                }
                message("  \(group) (\(members.count) rows): " + cells.joined(separator: ", "))
            }
            message("  pooled target: " + column.values.indices.map { String(format: "%@ %.3f", column.values[$0], column.pooled[$0]) }.joined(separator: ", "))
        }
    }
}
