/// Group-balanced Poisson sampling for DP-SGD: each group of a sensitive column (its public categories,
/// plus "missing" when the column allows it) gets its own sampling rate, so that in expectation every
/// group contributes the same number of rows to a step and a minority group is seen as often as the
/// majority.
///
/// Privacy. The rates need group sizes, which are private. They are released once, before training,
/// by the Gaussian mechanism: a row is in exactly one group, so adding or removing it changes one
/// count by 1 (L2 sensitivity 1) and noise N(0, σ_c²) makes the release one step of the sampled
/// Gaussian with rate 1 and noise multiplier σ_c, which the accountant composes with training
/// (`countRelease`). Everything after depends on the rows only through these noisy counts
/// (post-processing). A step then includes row i with probability q_{g(i)} ≤ q_max; the privacy loss
/// of the Poisson-sampled Gaussian grows with the rate (Mironov, Talwar & Zhang 2019, Sec. 3.3: the
/// mixture (1−q)N(0,σ²) + qN(1,σ²) moves away from N(0,σ²) as q grows), so charging every step at
/// q_max bounds the loss of every row, whatever its group. The gradient is divided by the expected
/// batch size computed from the noisy counts (public), never by the number of rows drawn.
public struct GroupBalancedSampling: Codable, Sendable, Equatable {
    /// The sensitive column's name and its index in the schema.
    public var column: String
    public var columnIndex: Int
    /// The groups: the column's categories in schema order, then "" for missing when allowed.
    public var groups: [String]
    /// The released counts, one per group (may be negative or fractional: they are noisy).
    public var noisyCounts: [Double]
    /// Standard deviation σ_c of the noise on each count.
    public var countNoise: Double
    /// The sampling rate of each group.
    public var rates: [Double]

    /// The rate the accountant charges for every step.
    public var maxRate: Double { rates.max() ?? 0 }

    /// Expected rows a step, from the released counts (what the noisy gradient sum is divided by).
    public var expectedBatchSize: Double { zip(rates, noisyCounts).reduce(0) { $0 + $1.0 * max($1.1, 0) } }

    /// The count release, as the accountant's event: the Gaussian mechanism with sensitivity 1.
    public var countRelease: PrivacyEvent { Self.countRelease(noise: countNoise) }

    /// The same before the counts are released (a plan, a budget checked first).
    public static func countRelease(noise: Double) -> PrivacyEvent { .gaussianRelease(noiseMultiplier: noise) }

    /// Rates from counts: q_g = B / (G · n_g), so each of the G groups brings B/G rows a step in
    /// expectation, capped at `maxBoost` times the uniform rate B / Σn (a group of a few rows would
    /// otherwise set q_max, and with it the noise every step needs) and at 1. A count is taken as at
    /// least 1, so an empty or negative noisy count gives the capped rate, not a division by zero.
    public static func rates(counts: [Double], expectedBatchSize: Double, maxBoost: Double) -> [Double] {
        precondition(!counts.isEmpty && expectedBatchSize > 0 && maxBoost >= 1)
        let sizes = sizes(counts)
        let uniform = expectedBatchSize / sizes.reduce(0, +)
        return sizes.map { min(1, expectedBatchSize / (Double(sizes.count) * $0), maxBoost * uniform) }
    }

    /// Group `g` as logs write it ("(missing)" for the missing group).
    public func name(ofGroup g: Int) -> String { groups[g].isEmpty ? "(missing)" : groups[g] }

    /// Noisy counts as group sizes: at least 1 row each.
    static func sizes(_ counts: [Double]) -> [Double] { counts.map { max($0, 1) } }

    /// The groups' shares in the table (ñ_g / Σ ñ) and in the mix training sees (q_g ñ_g / Σ q ñ).
    public var tableShares: [Double] {
        let sizes = Self.sizes(noisyCounts)
        return sizes.map { $0 / sizes.reduce(0, +) }
    }
    public var trainedShares: [Double] {
        let trained = zip(rates, Self.sizes(noisyCounts)).map { $0 * $1 }
        return trained.map { $0 / trained.reduce(0, +) }
    }

    public init(column: String, columnIndex: Int, groups: [String], noisyCounts: [Double], countNoise: Double,
                expectedBatchSize: Double, maxBoost: Double) {
        precondition(groups.count == noisyCounts.count)
        self.column = column
        self.columnIndex = columnIndex
        self.groups = groups
        self.noisyCounts = noisyCounts
        self.countNoise = countNoise
        rates = Self.rates(counts: noisyCounts, expectedBatchSize: expectedBatchSize, maxBoost: maxBoost)
    }

    enum CodingKeys: String, CodingKey {
        case column, columnIndex = "column_index", groups, noisyCounts = "noisy_counts", countNoise = "count_noise", rates
    }
}
