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
        try OutputDestination.checkFile(request.output, option: "-o", inputs: [request.checkpoint])
        let loaded = try Checkpoint.load(folder: request.checkpoint)
        let rows = request.rows ?? loaded.record.tableRows.map { min(max($0, 1), GenerateRequest.largestRows) } ?? GenerateRequest.defaultRows
        let serializer = RowSerializer(schema: loaded.schema, template: loaded.template)
        let writer = try CSVRecordWriter(path: request.output, header: loaded.schema.columnNames)
        var settings = SamplingSettings()
        settings.temperature = request.temperature
        settings.topK = request.topK
        settings.batchSize = request.batchSize
        settings.seed = request.seed
        settings.logitNoise = request.logitNoise
        let conditions = try request.conditions.map(ColumnCondition.parse)
        // A checkpoint trained in one order is sampled in it (conditions first, then that order).
        let trainedOrder = try ColumnOrderChoice.orders(recorded: loaded.record.columnOrders, schema: loaded.schema).flatMap { $0.count == 1 ? $0[0] : nil }
        let onlyOneOrder = trainedOrder != nil && (loaded.record.randomOrderShare ?? 0) == 0
        var released = request.matchPrior && !request.unconstrained ? loaded.record.privacy?.prior?.released ?? [] : []
        // The prior's rates in each group are the table's, gap included: matched on a model trained
        // to remove the gap, they put it back (a fair run's 0.72 / 0.71 / 0.73 became 0.87 / 0.42 / 0.15).
        if !released.isEmpty, !request.maskFairness, let term = loaded.record.fairness, term.lambda > 0,
           let target = loaded.schema.target, term.columns.contains(target) {
            message("generate: the target's rates are not matched to the prior's in each group: the model trained with \(term.options), and the prior's rates would restore the gap it removed")
            released = []
        }
        var unshiftedMask: FairnessMask?
        if request.maskFairness {
            unshiftedMask = try request.fairness.mask(for: "--mask-fairness", serializer: serializer, tokenizer: loaded.tokenizer, strength: request.fairnessStrength)
        } else if !released.isEmpty, (request.fairness.sensitive ?? loaded.schema.sensitive.first) != nil, loaded.schema.target != nil {
            // The prior's rates alone: the mask at strength 0, moving from the prior's rates instead of the model's.
            do {
                unshiftedMask = try request.fairness.mask(for: "--match-prior", serializer: serializer, tokenizer: loaded.tokenizer, strength: 0)
            } catch {
                message("generate: the target's rates are not matched to the prior's (\((error as? InputError)?.message ?? (error as? OptionError)?.message ?? "\(error)")); --no-match-prior silences this")
            }
        }
        let reference = unshiftedMask.flatMap { Self.priorRates(released, mask: $0, schema: loaded.schema) }
        if request.maskFairness, let mask = unshiftedMask {
            try Self.refuseConditionsTheMaskCannotAct(on: conditions, mask: mask, schema: loaded.schema)
        }
        var constraint: RowConstraint?
        if request.unconstrained {
            guard request.conditions.isEmpty else { throw OptionError("--condition needs the schema constraint (drop --unconstrained)") }
        } else {
            // A threshold's or an intersection's group is known only once its columns are written: where
            // the model chooses the order, they come before the fair columns.
            let precedence = unshiftedMask.flatMap { mask in
                mask.sensitive == nil ? (first: mask.sensitiveGroups.columns, then: mask.columns.map(\.column)) : nil
            }
            constraint = try RowConstraint(schema: loaded.schema, template: loaded.template, tokenizer: loaded.tokenizer,
                                           conditions: conditions, fixedOrder: request.fixedOrder || (!request.freeOrder && trainedOrder != nil),
                                           order: trainedOrder, precedence: precedence)
            if let precedence, let forced = constraint?.forcedOrder {
                for fair in precedence.then {
                    guard let at = forced.firstIndex(of: fair), let late = precedence.first.first(where: { forced.firstIndex(of: $0).map { $0 > at } ?? true }) else { continue }
                    let name = { loaded.schema.columns[$0].name }
                    throw OptionError("--mask-fairness with --sensitive \(quoted: unshiftedMask!.sensitiveGroups.description): this order writes \(quoted: name(fair)) before \(quoted: name(late)), and a threshold's or an intersection's group must be known first; \(onlyOneOrder ? "this checkpoint was trained in that one order (one categorical --sensitive column works in any order)" : "add --free-order, or condition on the group's columns")")
                }
            }
            // Positions needed: <s> and the row's tokens; </s> is sampled from the last one, never fed.
            let needed = constraint!.maximumTokens - 1
            if needed > loaded.model.config.contextLength {
                message("warning: the longest row the schema allows needs \(needed) positions, the model's context is \(loaded.model.config.contextLength); rows that run out of context are dropped")
            }
        }
        // Conditioned columns are written first: a prefix of the trained order is one the model has seen.
        // Said once the conditions are known to leave values (a contradiction was refused after it).
        let conditioned = Set(conditions.compactMap { loaded.schema.index(of: $0.column) })
        if onlyOneOrder, let trainedOrder, !conditioned.isEmpty, Set(trainedOrder.prefix(conditioned.count)) != conditioned {
            let first = trainedOrder.prefix(3).map { loaded.schema.columns[$0].name }.joined(separator: ", ")
            message("warning: this checkpoint was trained in one column order only (\(first), ...); conditioned columns, written first, come in an order it never saw: train with --random-order-share 0.25 for conditioned generation, or condition on the order's first columns")
        }
        let started = DispatchTime.now().uptimeNanoseconds
        var groupShares: GroupShareCorrection?
        // Shares are restored only where DP-SGD sampled by group: a run whose prior took the whole
        // budget trained on the prior's rows, in the table's mix (restoring took women from 0.31 to 0.18).
        if request.keepBalancedMix {
            guard loaded.record.privacy?.balance != nil else {
                throw OptionError("--keep-balanced-mix: this checkpoint was not trained with --balance-groups, so there is no balanced mix to keep")
            }
            guard loaded.record.steps > 0 else { throw OptionError("--keep-balanced-mix: no DP-SGD step of this checkpoint sampled by group (its prior took the whole budget), so its rows are in the table's mix already; leave --keep-balanced-mix out") }
        }
        if let balance = loaded.record.privacy?.balance, loaded.record.steps > 0, !request.keepBalancedMix {
            guard constraint != nil else { throw OptionError("restoring the group shares of a --balance-groups checkpoint needs the schema constraint (drop --unconstrained, or add --keep-balanced-mix)") }
            groupShares = try GroupShareCorrection(balance: balance, template: loaded.template, tokenizer: loaded.tokenizer)
            let trained = balance.trainedShares, table = balance.tableShares
            let shares = balance.groups.indices.map { g in
                String(format: "%@ %.3f -> %.3f", balance.name(ofGroup: g), trained[g], table[g])
            }
            message("generate: trained with --balance-groups; \(balance.column) shares restored from the released counts (trained mix -> table): \(shares.joined(separator: ", "))")
        }
        func makeSampler(_ mask: FairnessMask?) -> RowSampler {
            var sampler = RowSampler(model: loaded.model, tokenizer: loaded.tokenizer, serializer: serializer, constraint: constraint, fairness: mask)
            sampler.groupShares = groupShares
            return sampler
        }
        var fairnessMask: FairnessMask?
        if let unshiftedMask {
            fairnessMask = try calibratedMask(unshiftedMask, reference: reference, sampler: makeSampler, settings: settings, rows: rows)
        }
        let sampler = makeSampler(fairnessMask)
        events(.started(total: rows))
        // Rows are written as each round is decoded (into the temporary file the writer renames into
        // place at the end), so memory holds one round, whatever --rows is.
        var written = 0
        var tally = fairnessMask.map(WrittenRowsTally.init)
        let result = try sampler.sample(count: rows, settings: settings, workers: request.workers, progress: { done in
            events(.progress(done: done, total: rows))
        }) { round in
            for row in round {
                let fields = RowDecoder.fields(of: row, schema: loaded.schema)
                try writer.write(fields)
                tally?.add(row, fields: fields)
            }
            written += round.count
        }
        if written == 0 && rows > 0 {
            throw InputError("none of the \(rows) rows sampled fits the schema (\(result.examples.first ?? "no reason given")); nothing written",
                             at: SourceLocation(file: request.checkpoint))
        }
        try writer.commit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        message(String(format: "generate: %d of %d rows fit the schema (%.1f%%), %d dropped; %.0f tokens/s -> %@",
                       written, rows, 100 * Double(written) / Double(max(rows, 1)), result.invalid,
                       Double(result.tokens) / seconds, request.output))
        for example in result.examples { message("  dropped: \(example)") }
        if let fairnessMask, let tally { reportFairness(fairnessMask, tally: tally, schema: loaded.schema, label: request.maskFairness ? "mask-fairness" : "match-prior") }
        return written
    }

    /// The mask evens the fair columns' rates across the sensitive groups, calibrated on a pilot
    /// drawn under the conditions: a condition on a group's column leaves one group there, whose
    /// own rate became the "fair" one, and one on a fair column leaves it nothing to shift, so the
    /// rows came out as unmasked ones (group C's 0.88 stayed 0.88 where the masked rows give 0.32).
    static func refuseConditionsTheMaskCannotAct(on conditions: [ColumnCondition], mask: FairnessMask, schema: Schema) throws {
        let acted = Set(mask.sensitiveGroups.columns + mask.columns.map(\.column))
        guard let column = conditions.compactMap({ schema.index(of: $0.column) }).first(where: acted.contains) else { return }
        let name = schema.columns[column].name
        let role = mask.sensitiveGroups.columns.contains(column) ? "the sensitive groups'" : "a fair"
        throw OptionError("--mask-fairness with --condition on \(quoted: name), \(role) column: the mask evens rates across the groups, which the condition fixes; generate the masked rows without it and keep the rows you need")
    }

    /// The mask, calibrated on a pilot sample of the model's own rows, drawn with another seed than
    /// the rows written (`FairnessCalibration`). Top-k and logit noise are not part of the fit.
    private func calibratedMask(_ unshifted: FairnessMask, reference: [[[Double]]?]?, sampler: (FairnessMask?) -> RowSampler,
                                settings: SamplingSettings, rows: Int) throws -> FairnessMask {
        var mask = unshifted
        var pilot = sampler(mask)
        pilot.recordsFairness = true
        var pilotSettings = settings
        pilotSettings.seed = settings.seed &+ 0x5EED_F417
        let started = DispatchTime.now().uptimeNanoseconds
        var pilotRows = request.maskPilotRows ?? GenerateRequest.pilotRows(for: rows)
        var observations = pilot.sample(count: pilotRows, settings: pilotSettings, workers: request.workers).fairnessObservations
        // The default pilot grows, in steps of its first size, until the rarest group (or value, for
        // rows that write the value first) has enough rows to set its shift, or the cap is reached.
        // At strength 0 there is no shift to set: the pilot only gives the report its model figures.
        if request.maskPilotRows == nil, mask.strength > 0 || reference != nil {
            let step = pilotRows
            while pilotRows < GenerateRequest.largestPilotRows, FairnessCalibration.fewestObservations(observations) < GenerateRequest.pilotObservationsPerGroup {
                pilotSettings.seed &+= 1
                let more = min(step, GenerateRequest.largestPilotRows - pilotRows)
                observations += pilot.sample(count: more, settings: pilotSettings, workers: request.workers).fairnessObservations
                pilotRows += more
            }
        }
        guard !observations.isEmpty else {
            throw OptionError("--mask-fairness: in \(pilotRows) pilot rows the model never wrote a value of a fair column and of the sensitive column in one row")
        }
        FairnessCalibration.calibrate(&mask, observations: observations, temperature: settings.temperature, reference: reference)
        let from = reference != nil ? " from the prior's released rates" : ""
        message(String(format: "%@: calibrated at strength %g%@ on %d pilot rows of the model's own (%.1f s; no rows of any table, no privacy cost)",
                       request.maskFairness ? "mask-fairness" : "match-prior", mask.strength, from, pilotRows,
                       Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
        return mask
    }

    /// For each of the mask's columns, the prior's P(value | group) where it released the joint of the
    /// column with the groups' one categorical column (nil elsewhere: the model's own rates are kept).
    static func priorRates(_ released: [PriorRecord.ReleasedMarginal], mask: FairnessMask, schema: Schema) -> [[[Double]]?]? {
        guard let sensitive = mask.sensitive, !released.isEmpty else { return nil }
        let rates = mask.columns.map { column -> [[Double]]? in
            let names = [schema.columns[sensitive].name, schema.columns[column.column].name]
            guard let joint = released.first(where: { $0.columns == names }),
                  let conditional = joint.conditional(valueCount: column.values.count), conditional.count == mask.groups.count else { return nil }
            return conditional
        }
        return rates.contains { $0 != nil } ? rates : nil
    }

    /// Per fair column and group: the model's P(value | group) on the pilot rows, the target, and
    /// what the written rows hold; and the largest gap between two groups, before and after.
    private func reportFairness(_ mask: FairnessMask, tally: WrittenRowsTally, schema: Schema, label: String) {
        let sensitiveName = mask.sensitiveGroups.description
        message("\(label): groups of \(sensitiveName) (model's share -> rows written): " + mask.groups.indices.map { g in
            String(format: "%@ %.3f -> %.3f", mask.groups[g], mask.groupShares[g], Double(tally.groupRows[g]) / Double(max(tally.rows, 1)))
        }.joined(separator: ", "))
        for (c, column) in mask.columns.enumerated() where !column.conditional.isEmpty {
            message("\(label): \(schema.columns[column.column].name) by \(sensitiveName) (model -> rows written; target at strength \(mask.strength))")
            let after = mask.groups.indices.map { tally.shares(column: c, group: $0) }
            for (g, group) in mask.groups.enumerated() {
                let cells = column.values.indices.map { v in
                    String(format: "%@ %.3f -> %.3f (%.3f)", column.values[v], column.conditional[g][v], after[g][v], column.target[g][v])
                }
                message("  \(group) (\(tally.groupRows[g]) rows): " + cells.joined(separator: ", "))
            }
            let overall = tally.overallShares(column: c)
            message("  all rows: " + column.values.indices.map { String(format: "%@ %.3f -> %.3f", column.values[$0], column.pooled[$0], overall[$0]) }.joined(separator: ", "))
            let present = mask.groups.indices.filter { tally.groupRows[$0] > 0 }
            func gap(_ rates: [[Double]]) -> Double {
                column.values.indices.map { v in (present.map { rates[$0][v] }.max() ?? 0) - (present.map { rates[$0][v] }.min() ?? 0) }.max() ?? 0
            }
            message(String(format: "  largest gap between two groups: %.3f -> %.3f", gap(column.conditional), gap(after)))
        }
    }
}
