/// A numeric column's range in the real training rows and in the synthetic rows, the synthetic rows
/// beyond it, and the Fréchet distance of the column alone. A few synthetic values far outside the
/// real range (capital losses of 86,340 where the real maximum is 2,489) can drive the whole table's
/// Fréchet distance, which only sees moments; this names the column instead of leaving a bare number.
public struct ColumnRange: Codable, Sendable, Equatable {
    public var column: String
    public var realMinimum: Double
    public var realMaximum: Double
    /// nil when no synthetic row holds a number in the column.
    public var syntheticMinimum: Double?
    public var syntheticMaximum: Double?
    /// Synthetic rows below the real minimum and above the real maximum.
    public var rowsBelow: Int
    public var rowsAbove: Int
    /// Synthetic rows holding a number in the column.
    public var syntheticNumbers: Int
    /// (Δ mean)² + (Δ standard deviation)² in units of the real standard deviation: the Fréchet
    /// distance of this column on its own, standardised as the full distance's encoding is.
    public var aloneFrechet: Double

    public init(column: String, realMinimum: Double, realMaximum: Double, syntheticMinimum: Double?, syntheticMaximum: Double?,
                rowsBelow: Int, rowsAbove: Int, syntheticNumbers: Int, aloneFrechet: Double) {
        self.column = column
        self.realMinimum = realMinimum
        self.realMaximum = realMaximum
        self.syntheticMinimum = syntheticMinimum
        self.syntheticMaximum = syntheticMaximum
        self.rowsBelow = rowsBelow
        self.rowsAbove = rowsAbove
        self.syntheticNumbers = syntheticNumbers
        self.aloneFrechet = aloneFrechet
    }

    /// Synthetic values outside [real minimum, real maximum].
    public var outside: Int { rowsBelow + rowsAbove }

    /// One per numeric column with real numbers, in schema order.
    public static func measure(schema: Schema, real: [Row], synthetic: [Row]) -> [ColumnRange] {
        schema.columns.indices.compactMap { index -> ColumnRange? in
            let column = schema.columns[index]
            guard column.kind != .categorical else { return nil }
            func numbers(_ rows: [Row]) -> [Double] {
                rows.compactMap { row in
                    if case .number(let units) = row[index] { return FixedPoint.double(units: units, decimals: column.decimals) }
                    return nil
                }
            }
            let a = numbers(real), b = numbers(synthetic)
            guard let low = a.min(), let high = a.max() else { return nil }
            func moments(_ values: [Double]) -> (mean: Double, deviation: Double) {
                let mean = values.reduce(0, +) / Double(max(values.count, 1))
                return (mean, (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(values.count, 1))).squareRoot())
            }
            let r = moments(a), s = moments(b), scale = r.deviation > 0 ? r.deviation : 1
            let alone = b.isEmpty ? 0 : ((s.mean - r.mean) / scale) * ((s.mean - r.mean) / scale) + ((s.deviation - r.deviation) / scale) * ((s.deviation - r.deviation) / scale)
            return ColumnRange(column: column.name, realMinimum: low, realMaximum: high, syntheticMinimum: b.min(), syntheticMaximum: b.max(),
                               rowsBelow: b.filter { $0 < low }.count, rowsAbove: b.filter { $0 > high }.count, syntheticNumbers: b.count,
                               aloneFrechet: alone)
        }
    }
}
