/// How closely the synthetic rows' marginals follow the real ones: total-variation distance
/// (½ Σ |p − q|) of every column's distribution and of every pair's joint distribution. Numbers are
/// put into quantile bins fitted on the real training rows (frequent values in bins of their own,
/// see `cuts`); missing is a bin of its own.
public struct MarginalFidelity {
    private let binners: [(Cell) -> Int]
    /// Each column's bin names, index = bin: "missing" first, then categories or number ranges. The
    /// ranges are half-open, "[22, 25)", so that no value reads as in two bins; the outer bins are
    /// open ("< 17", "≥ 50"): see `binLabels(column:lowest:highest:)` for closed ends.
    public let binLabels: [[String]]
    /// A numeric column's bin edges and decimals (nil for a categorical column).
    private let edges: [(cuts: [Int64], decimals: Int)?]

    public init(schema: Schema, fittedOn rows: [Row], bins: Int = 10) {
        var binners: [(Cell) -> Int] = [], labels: [[String]] = [], edges: [(cuts: [Int64], decimals: Int)?] = []
        for (index, column) in schema.columns.enumerated() {
            if let categories = column.categories {
                let lookup = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0 + 1) })
                binners.append { cell in if case .category(let value) = cell { return lookup[value] ?? 0 }; return 0 }
                labels.append(["missing"] + categories)
                edges.append(nil)
                continue
            }
            var values = rows.compactMap { row -> Int64? in if case .number(let units) = row[index] { return units }; return nil }
            values.sort()
            // Bin k ≥ 1 holds cuts[k-2] ≤ x < cuts[k-1].
            let cuts = Self.cuts(sorted: values, bins: bins)
            binners.append { cell in
                guard case .number(let units) = cell else { return 0 }
                var low = 0, high = cuts.count
                while low < high {
                    let middle = (low + high) / 2
                    if cuts[middle] <= units { low = middle + 1 } else { high = middle }
                }
                return low + 1
            }
            labels.append(["missing"] + Self.rangeLabels(cuts: cuts, decimals: column.decimals, lowest: nil, highest: nil))
            edges.append((cuts, column.decimals))
        }
        self.binners = binners
        binLabels = labels
        self.edges = edges
    }

    /// A column's bin names with the outer bins closed at `lowest` and `highest` (the smallest and
    /// largest value the charted tables hold): "[17, 22)" … "[50, 90]". A bin of one value is named
    /// by it ("0"); an end that no value reaches stays open ("< 17").
    public func binLabels(column: Int, lowest: Int64?, highest: Int64?) -> [String] {
        guard let (cuts, decimals) = edges[column] else { return binLabels[column] }
        return ["missing"] + Self.rangeLabels(cuts: cuts, decimals: decimals, lowest: lowest, highest: highest)
    }

    /// Bin k holds cuts[k-1] ≤ x < cuts[k] (k = 0: x < cuts[0]; the last: x ≥ its cut).
    static func rangeLabels(cuts: [Int64], decimals: Int, lowest: Int64?, highest: Int64?) -> [String] {
        func text(_ units: Int64) -> String { FixedPoint.format(units: units, decimals: decimals) }
        func closed(_ low: Int64, _ high: Int64) -> String { low == high ? text(low) : "[\(text(low)), \(text(high))]" }
        guard let first = cuts.first, let last = cuts.last else {
            if let lowest, let highest { return [closed(lowest, highest)] }
            return ["all"]
        }
        var labels: [String]
        if let lowest, lowest < first {
            labels = [lowest == first - 1 ? text(lowest) : "[\(text(lowest)), \(text(first)))"]
        } else {
            labels = ["< \(text(first))"]
        }
        labels += cuts.indices.dropLast().map { i in cuts[i + 1] == cuts[i] + 1 ? text(cuts[i]) : "[\(text(cuts[i])), \(text(cuts[i + 1])))" }
        if let highest, highest >= last {
            labels.append(closed(last, highest))
        } else {
            labels.append("≥ \(text(last))")
        }
        return labels
    }

    /// Bin edges for sorted values: a value holding at least 1/`bins` of them (an atom: the zeros of
    /// capital gains, a popular integer) gets a bin of its own, [v, v + 1 unit); the other values are
    /// cut at their own quantiles into the bins left. Plain quantiles would merge an atom with its
    /// neighbours, or, when it holds most rows, put the whole column into one bin (and report a TV
    /// of 0 whatever the synthetic rows hold).
    static func cuts(sorted values: [Int64], bins: Int) -> [Int64] {
        var atoms: [Int64] = [], rest: [Int64] = []
        var start = 0
        while start < values.count {
            var end = start
            while end < values.count && values[end] == values[start] { end += 1 }
            if (end - start) * bins >= values.count { atoms.append(values[start]) } else { rest += values[start..<end] }
            start = end
        }
        var cuts = Set(atoms.flatMap { [$0, $0 + 1] })
        let restBins = max(bins - atoms.count, 1)
        if !rest.isEmpty {
            for b in 1..<restBins { cuts.insert(rest[min(rest.count - 1, rest.count * b / restBins)]) }
        }
        return cuts.sorted()
    }

    public static func totalVariation(_ p: [Int: Double], _ q: [Int: Double]) -> Double {
        let keys = Set(p.keys).union(q.keys)
        return 0.5 * keys.reduce(0) { $0 + abs(p[$1, default: 0] - q[$1, default: 0]) }
    }

    private func distribution(_ rows: [Row], _ key: (Row) -> Int) -> [Int: Double] {
        var counts: [Int: Double] = [:]
        for row in rows { counts[key(row), default: 0] += 1 }
        return counts.mapValues { $0 / Double(max(rows.count, 1)) }
    }

    /// Share of `rows` in each bin of `column` (index as in `binLabels`).
    public func histogram(_ rows: [Row], column: Int) -> [Double] {
        let shares = distribution(rows) { binners[column]($0[column]) }
        return binLabels[column].indices.map { shares[$0, default: 0] }
    }

    /// TV distance per column.
    public func oneWay(real: [Row], synthetic: [Row]) -> [Double] {
        binners.indices.map { column in
            Self.totalVariation(distribution(real) { binners[column]($0[column]) }, distribution(synthetic) { binners[column]($0[column]) })
        }
    }

    /// TV distance per pair of columns (i < j), in order.
    public func twoWay(real: [Row], synthetic: [Row]) -> [Double] {
        var result: [Double] = []
        for i in binners.indices {
            for j in (i + 1)..<binners.count {
                let key = { (row: Row) in binners[i](row[i]) * 4096 + binners[j](row[j]) }
                result.append(Self.totalVariation(distribution(real, key), distribution(synthetic, key)))
            }
        }
        return result
    }
}

/// Checks that synthetic rows are not copies of the training rows.
public enum PrivacyMetrics {
    /// Share of `rows` identical to some row of `reference`.
    public static func exactCopyRate(_ rows: [Row], of reference: [Row]) -> Double {
        let known = Set(reference)
        return rows.isEmpty ? 0 : Double(rows.filter { known.contains($0) }.count) / Double(rows.count)
    }

    /// Distance to closest record: for each row, whether its nearest training row is closer than its
    /// nearest holdout row (Hamming distance over columns; ties count ½). About 0.5 when synthetic rows
    /// are no closer to the training rows than to unseen rows of the same population; near 1 means
    /// memorisation. The holdout should be as large as the training sample compared.
    public static func closerToTrainShare(_ rows: [Row], train: [Row], holdout: [Row]) -> Double {
        func nearest(_ row: Row, _ candidates: [Row]) -> Int {
            var best = Int.max
            for candidate in candidates {
                var distance = 0
                for (a, b) in zip(row, candidate) where a != b {
                    distance += 1
                    if distance >= best { break }
                }
                best = min(best, distance)
                if best == 0 { break }
            }
            return best
        }
        guard !rows.isEmpty else { return .nan }
        var share = 0.0
        for row in rows {
            let toTrain = nearest(row, train), toHoldout = nearest(row, holdout)
            share += toTrain < toHoldout ? 1 : (toTrain == toHoldout ? 0.5 : 0)
        }
        return share / Double(rows.count)
    }
}
