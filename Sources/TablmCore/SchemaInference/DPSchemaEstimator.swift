import Foundation
import RealModule

/// Estimates a schema from private rows under differential privacy, so that `finetune --dp` can use
/// it: its categories and ranges are outputs of accounted mechanisms, not copies of the rows.
///
/// - Categories: each value's count gets Laplace(1/ε_c) noise and the value is kept if the noisy count
///   exceeds τ = 1 + ln(1/(2δ_c))/ε_c (Laplace partition selection: Korolova et al. 2009; Wilson et
///   al. 2020, "Differentially Private SQL with Bounded User Contribution", Sec. 3). A row adds 1 to
///   one value per column, so this is (ε_c, δ_c)-DP per column. A categorical column of a DP schema
///   always allows missing values: a value that was not selected is written as missing ("other or
///   unknown"), so no row is lost for holding a rare value. A value with a line break or control
///   character, which a schema cannot list, is never a candidate (the same rule for every value).
/// - Numeric ranges: within public bounds [L, U] the user declares, the 1 % and 99 % quantiles are
///   drawn by the exponential mechanism for quantiles (Smith 2011): an interval between consecutive
///   sorted values is chosen with probability ∝ width · exp(−ε|rank − qn|/2), then a point in it.
///   Values are first spread uniformly over their precision step (data-independent noise), so that
///   ties do not leave zero-width intervals. Each is ε/3-DP; a third ε/3 (and the δ) decides, by the same thresholding on the count of
///   missing or non-numeric fields, whether the column allows missing values.
/// - The budget is split evenly over the columns; by basic composition the schema is (ε, δ)-DP.
/// Column names (the header), kinds and declared bounds are public input, not estimated.
public enum DPSchemaEstimator {
    public struct NumericDeclaration: Sendable {
        public var column: String
        public var lower: Double
        public var upper: Double
        public var precision: Int

        /// Parses `col=lo..hi` or `col=lo..hi:decimals`.
        public static func parse(_ text: String) throws -> NumericDeclaration {
            guard let equals = text.firstIndex(of: "=") else { throw OptionError("--numeric \(quoted: text): expected column=lo..hi[:decimals]") }
            let column = String(text[..<equals])
            var rest = String(text[text.index(after: equals)...])
            var precision = 0
            if let colon = rest.lastIndex(of: ":") {
                guard let p = Int(rest[rest.index(after: colon)...]), (0...FixedPoint.maxDecimals).contains(p) else {
                    throw OptionError("--numeric \(quoted: text): decimals must be 0 to \(FixedPoint.maxDecimals)")
                }
                precision = p
                rest = String(rest[..<colon])
            }
            let parts = rest.components(separatedBy: "..")
            guard parts.count == 2, let lower = Double(parts[0]), let upper = Double(parts[1]), lower < upper else {
                throw OptionError("--numeric \(quoted: text): expected column=lo..hi with lo < hi")
            }
            // The bounds must hold as fixed-point values of the column (|v| · 10^decimals ≤ 2^53).
            let largest = Double(FixedPoint.maxUnits) / Double(FixedPoint.powers[precision])
            guard abs(lower) <= largest, abs(upper) <= largest else {
                throw OptionError("--numeric \(quoted: text): bounds must be finite, within ±\(largest) at \(precision) decimals")
            }
            return NumericDeclaration(column: column, lower: lower, upper: upper, precision: precision)
        }
    }

    public static func estimate(csvPath: String, numeric: [NumericDeclaration], epsilon: Double, delta: Double,
                                target: String?, sensitive: [String], generator: ChaCha20Generator) throws -> Schema {
        precondition(epsilon > 0 && delta > 0 && delta < 1)
        let reader = try CSVRecordReader(path: csvPath)
        let header = reader.header
        guard header.count <= Schema.largestColumnCount else {
            throw InputError("the header has \(header.count) columns; tablm takes at most \(Schema.largestColumnCount)", at: SourceLocation(file: csvPath, line: 1))
        }
        for name in numeric.map(\.column) + [target].compactMap({ $0 }) + sensitive where !header.contains(name) {
            throw InputError("no column named \(quoted: name) (columns: \(names: header))", at: SourceLocation(file: csvPath, line: 1))
        }
        try SchemaInference.refuseUnlistable(header: header, file: csvPath)
        let declared = try Dictionary(numeric.map { ($0.column, $0) }) { first, _ in
            throw OptionError("--numeric names column \(quoted: first.column) twice; give its bounds once")
        }
        var counts = [[String: Int]](repeating: [:], count: header.count)
        var values = [[Double]](repeating: [], count: header.count)
        var missing = [Int](repeating: 0, count: header.count)
        try reader.forEachRecord { record in
            for (index, field) in record.fields.enumerated() {
                if let declaration = declared[header[index]] {
                    if let value = Double(field), value.isFinite {
                        values[index].append(min(max(value, declaration.lower), declaration.upper))
                    } else {
                        missing[index] += 1
                    }
                } else if field.isEmpty {
                    missing[index] += 1
                } else if InputError.controlCharacter(in: field) == nil {
                    // A value a schema cannot hold (a line break) is no candidate: like a value not
                    // selected, training reads it as missing. Refusing here would tell, outside any
                    // mechanism, that some row holds one.
                    counts[index][field, default: 0] += 1
                }
            }
        }
        let epsilonPerColumn = epsilon / Double(header.count), deltaPerColumn = delta / Double(header.count)
        var random = GaussianSampler(generator: generator)
        var columns: [ColumnSchema] = []
        for (index, name) in header.enumerated() {
            if let declaration = declared[name] {
                let part = epsilonPerColumn / 3
                let allowsMissing = keep(count: missing[index], epsilon: part, delta: deltaPerColumn, random: &random)
                // Dequantize: spread each value over its precision step, so that ties (ages, counts) do not
                // leave zero-width intervals and push the choice into the empty gap up to a bound.
                let step = 1 / pow(10, Double(declaration.precision))
                var sorted = values[index].map { min($0 + random.uniform() * step, declaration.upper) }
                sorted.sort()
                let low = quantile(sorted, 0.01, lower: declaration.lower, upper: declaration.upper, epsilon: part, random: &random)
                let high = quantile(sorted, 0.99, lower: declaration.lower, upper: declaration.upper, epsilon: part, random: &random)
                let scale = pow(10, Double(declaration.precision))
                let minimum = (min(low, high) * scale).rounded(.down) / scale, maximum = (max(low, high) * scale).rounded(.up) / scale
                columns.append(ColumnSchema(name: name, kind: declaration.precision == 0 ? .integer : .real, min: minimum, max: maximum,
                                            precision: declaration.precision, allowsMissing: allowsMissing))
            } else {
                var kept = counts[index].keys.filter { keep(count: counts[index][$0]!, epsilon: epsilonPerColumn, delta: deltaPerColumn, random: &random) }
                kept.sort()
                guard !kept.isEmpty else {
                    throw InputError("no category of \(quoted: name) passed the privacy threshold at ε = \(epsilonPerColumn) for this column; raise the schema's epsilon or declare it with --numeric",
                                     at: SourceLocation(file: csvPath, line: 1))
                }
                columns.append(.categorical(name, kept, allowsMissing: true))
            }
        }
        var schema = Schema(columns: columns, source: .dp, target: target, sensitive: sensitive)
        schema.privacyCost = PrivacyCost(epsilon: epsilon, delta: delta)
        return schema
    }

    /// The warning for a δ that protects small tables only. A value one row holds is listed with
    /// probability δ/columns (Laplace partition selection, below: P[Lap(1/ε) > ln(1/(2δ))/ε] = δ), so δ
    /// must sit below 1/rows; no count is released here to compare it with, so the warning says which
    /// tables it suits instead of reading the row count off the private file.
    public static func deltaWarning(delta: Double) -> String? {
        guard delta >= 1e-4 else { return nil }
        return String(format: "warning: --dp-delta %g lets a value only one row holds be listed with probability up to %g; it is below 1/rows only for tables of fewer than %.0f rows (default: 1e-6)",
                      delta, delta, (1 / delta).rounded(.up))
    }

    /// Laplace partition selection: keep when count + Laplace(1/ε) > 1 + ln(1/(2δ))/ε. A zero count is
    /// never kept (a value absent from the data is not listed at all, so it cannot be selected).
    static func keep(count: Int, epsilon: Double, delta: Double, random: inout GaussianSampler<ChaCha20Generator>) -> Bool {
        guard count > 0 else { return false }
        let threshold = 1 + Double.log(1 / (2 * delta)) / epsilon
        return Double(count) + laplace(scale: 1 / epsilon, random: &random) > threshold
    }

    static func laplace(scale: Double, random: inout GaussianSampler<ChaCha20Generator>) -> Double {
        let u = random.uniform() - 0.5
        let magnitude = -scale * Double.log(max(1 - 2 * abs(u), Double.leastNonzeroMagnitude))
        return u < 0 ? -magnitude : magnitude
    }

    /// The exponential mechanism for the q-quantile of `sorted` (clipped to [lower, upper]), ε-DP.
    static func quantile(_ sorted: [Double], _ q: Double, lower: Double, upper: Double, epsilon: Double,
                         random: inout GaussianSampler<ChaCha20Generator>) -> Double {
        let points = [lower] + sorted + [upper]
        let target = q * Double(sorted.count)
        // Log-weights of the intervals [points[i], points[i+1]].
        var logWeights: [Double] = []
        logWeights.reserveCapacity(points.count - 1)
        for i in 0..<(points.count - 1) {
            let width = points[i + 1] - points[i]
            logWeights.append(width > 0 ? Double.log(width) - epsilon * abs(Double(i) - target) / 2 : -.infinity)
        }
        let maximum = logWeights.max() ?? 0
        let weights = logWeights.map { Double.exp($0 - maximum) }
        var u = random.uniform() * weights.reduce(0, +)
        var chosen = weights.count - 1
        for (i, weight) in weights.enumerated() {
            u -= weight
            if u < 0 {
                chosen = i
                break
            }
        }
        return points[chosen] + random.uniform() * (points[chosen + 1] - points[chosen])
    }
}
