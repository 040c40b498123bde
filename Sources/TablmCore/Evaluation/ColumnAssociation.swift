/// How strongly each pair of columns depends on each other, on a 0–1 scale where it has one:
/// Pearson's r for two numbers (signed), Cramér's V for two categories (Cramér 1946), the correlation
/// ratio η for a number and a category (Pearson 1903). The evaluation compares the real and synthetic
/// matrices ("correlation difference"), as table-evaluator and SDMetrics do. Missing is a category of
/// its own; a missing number leaves the row out of that pair.
public enum ColumnAssociation {
    /// Symmetric n × n matrix, row-major, 1 on the diagonal.
    public static func matrix(schema: Schema, rows: [Row]) -> [Double] {
        let n = schema.columns.count
        var result = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            result[i * n + i] = 1
            for j in (i + 1)..<max(i + 1, n) {
                let value = pair(schema, rows, i, j)
                result[i * n + j] = value
                result[j * n + i] = value
            }
        }
        return result
    }

    /// Mean |real − synthetic| over the pairs (i < j).
    public static func meanDifference(_ real: [Double], _ synthetic: [Double], columns n: Int) -> Double {
        var total = 0.0, pairs = 0
        for i in 0..<n { for j in (i + 1)..<max(i + 1, n) { total += abs(real[i * n + j] - synthetic[i * n + j]); pairs += 1 } }
        return pairs == 0 ? 0 : total / Double(pairs)
    }

    private static func number(_ cell: Cell, _ column: ColumnSchema) -> Double? {
        if case .number(let units) = cell { return FixedPoint.double(units: units, decimals: column.decimals) }
        return nil
    }

    private static func pair(_ schema: Schema, _ rows: [Row], _ i: Int, _ j: Int) -> Double {
        let a = schema.columns[i], b = schema.columns[j]
        switch (a.kind == .categorical, b.kind == .categorical) {
        case (false, false):
            let pairs = rows.compactMap { row -> (Double, Double)? in
                guard let x = number(row[i], a), let y = number(row[j], b) else { return nil }
                return (x, y)
            }
            return pearson(pairs)
        case (true, true):
            return cramersV(rows.map { (row: Row) in (row[i], row[j]) })
        case (true, false):
            return correlationRatio(rows.compactMap { row in number(row[j], b).map { (row[i], $0) } })
        case (false, true):
            return correlationRatio(rows.compactMap { row in number(row[i], a).map { (row[j], $0) } })
        }
    }

    public static func pearson(_ pairs: [(Double, Double)]) -> Double {
        let n = Double(pairs.count)
        guard n > 1 else { return 0 }
        let mx = pairs.reduce(0) { $0 + $1.0 } / n, my = pairs.reduce(0) { $0 + $1.1 } / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (x, y) in pairs {
            sxy += (x - mx) * (y - my)
            sxx += (x - mx) * (x - mx)
            syy += (y - my) * (y - my)
        }
        return sxx > 0 && syy > 0 ? sxy / (sxx * syy).squareRoot() : 0
    }

    /// √(χ² / (n · (min(r, c) − 1))) of the contingency table of the two columns.
    public static func cramersV<A: Hashable, B: Hashable>(_ pairs: [(A, B)]) -> Double {
        var joint: [Pair<A, B>: Double] = [:], left: [A: Double] = [:], right: [B: Double] = [:]
        for (x, y) in pairs {
            joint[Pair(x, y), default: 0] += 1
            left[x, default: 0] += 1
            right[y, default: 0] += 1
        }
        let n = Double(pairs.count), k = min(left.count, right.count)
        guard k > 1 else { return 0 }
        var chiSquare = 0.0
        for (x, nx) in left {
            for (y, ny) in right {
                let expected = nx * ny / n, observed = joint[Pair(x, y), default: 0]
                chiSquare += (observed - expected) * (observed - expected) / expected
            }
        }
        return (chiSquare / (n * Double(k - 1))).squareRoot()
    }

    /// √(between-group sum of squares / total sum of squares) of the numbers grouped by category.
    public static func correlationRatio<A: Hashable>(_ pairs: [(A, Double)]) -> Double {
        guard !pairs.isEmpty else { return 0 }
        let mean = pairs.reduce(0) { $0 + $1.1 } / Double(pairs.count)
        var sums: [A: (Double, Double)] = [:]
        var total = 0.0
        for (group, y) in pairs {
            let s = sums[group, default: (0, 0)]
            sums[group] = (s.0 + y, s.1 + 1)
            total += (y - mean) * (y - mean)
        }
        let between = sums.values.reduce(0) { $0 + $1.1 * ($1.0 / $1.1 - mean) * ($1.0 / $1.1 - mean) }
        return total > 0 ? (between / total).squareRoot() : 0
    }

    private struct Pair<A: Hashable, B: Hashable>: Hashable {
        let a: A, b: B
        init(_ a: A, _ b: B) { self.a = a; self.b = b }
    }
}
