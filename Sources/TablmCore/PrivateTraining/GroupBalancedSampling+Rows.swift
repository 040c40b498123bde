/// Balanced sampling as it meets the rows and the schema: the release of the group counts (the
/// mechanism), each row's rate, and the check of a recorded balance against a schema. The record
/// itself, and what the accountant charges for it, is `GroupBalancedSampling` in Accounting.
extension GroupBalancedSampling {
    /// Problems that make a recorded balance unusable with `schema` (a training record is a file
    /// someone hands you), or nil: one count and one rate per group, the groups the column's own,
    /// rates in (0, 1], finite counts and noise.
    public func problem(schema: Schema) -> String? {
        guard schema.columns.indices.contains(columnIndex), schema.columns[columnIndex].name == column,
              let categories = schema.columns[columnIndex].categories else {
            return "balance column \(columnIndex) \(quoted: column) is not a categorical column of the schema"
        }
        let expected = categories + (schema.columns[columnIndex].allowsMissing ? [""] : [])
        guard groups == expected else { return "balance groups are not the categories of \(quoted: column)" }
        guard noisyCounts.count == groups.count, rates.count == groups.count else {
            return "balance has \(groups.count) groups, \(noisyCounts.count) noisy counts and \(rates.count) rates"
        }
        if let bad = noisyCounts.first(where: { !$0.isFinite || abs($0) > 1e12 }) { return "balance noisy count \(bad) is not a finite count" }
        if let bad = rates.first(where: { !($0 > 0 && $0 <= 1) }) { return "balance rate \(bad) is not in (0, 1]" }
        guard countNoise.isFinite, countNoise >= 0 else { return "balance count noise \(countNoise) is not a finite σ ≥ 0" }
        // `rates(counts:...)` gives every group the same expected rows a step, q_g·n_g = B/G, except
        // groups held at the common cap: rates edited apart from their counts would train one mix
        // and restore another.
        let sizes = Self.sizes(noisyCounts), perStep = zip(rates, sizes).map { $0 * $1 }
        let even = perStep.max()!, cap = rates.max()!
        guard zip(rates, perStep).allSatisfy({ abs($1 - even) <= 1e-6 * even || abs($0 - cap) <= 1e-9 * cap }) else {
            return "balance rates do not follow from its noisy counts (each group should bring the same rows a step, or sit at the common cap)"
        }
        return nil
    }

    /// Releases the group counts of `rows` with Gaussian noise σ_c and derives the rates.
    /// - Throws: when `column` is not a categorical column of `schema` (groups must be public).
    public static func release<G: RandomNumberGenerator>(rows: [Row], schema: Schema, column: String, countNoise: Double,
                                                         expectedBatchSize: Double, maxBoost: Double,
                                                         noise: inout GaussianSampler<G>) throws -> GroupBalancedSampling {
        precondition(countNoise > 0)
        let groups = try groups(schema: schema, column: column)
        let index = schema.columns.firstIndex { $0.name == column }!
        var counts = [Double](repeating: 0, count: groups.count)
        for row in rows { counts[group(of: row[index], groups: groups)] += 1 }
        let noisy = counts.map { $0 + countNoise * noise.next() }
        return GroupBalancedSampling(column: column, columnIndex: index, groups: groups, noisyCounts: noisy, countNoise: countNoise,
                                     expectedBatchSize: expectedBatchSize, maxBoost: maxBoost)
    }

    /// The groups of a column, from the schema alone.
    static func groups(schema: Schema, column: String) throws -> [String] {
        guard let spec = schema.columns.first(where: { $0.name == column }) else {
            throw InputError("--balance-groups: no column named \(quoted: column) (columns: \(names: schema.columnNames))")
        }
        guard spec.kind == .categorical, let categories = spec.categories, !categories.isEmpty else {
            throw InputError("--balance-groups: \(quoted: column) is not a categorical column with listed categories; its groups must come from the schema")
        }
        return categories + (spec.allowsMissing ? [""] : [])
    }

    /// The group index of a cell (missing is the last group).
    static func group(of cell: Cell, groups: [String]) -> Int {
        if case .category(let value) = cell, let index = groups.firstIndex(of: value) { return index }
        return groups.count - 1
    }

    /// The sampling rate of each row.
    public func rowRates(_ rows: [Row]) -> [Double] {
        rows.map { rates[Self.group(of: $0[columnIndex], groups: groups)] }
    }
}
