import RealModule

/// The model itself as a classifier of the target: p(target = c | the other columns) is the
/// model's likelihood of the row with c in the target's place, normalised over the target's values
/// (Bayes' rule: the other columns' terms are the same for every c, whatever the column order).
///
/// Beside TSTR it tells where utility is lost. A classifier trained on the synthetic rows can only
/// learn the conditional the model samples labels from; when that conditional scores well on the
/// real test rows and TSTR does not, the loss is in sampling, not in what the model learned.
public enum ModelConditional {
    /// The largest number of target values scored (each is one pass of the model over every row).
    public static let largestValueCount = 32

    /// p(target = `positive` | the other columns) for each of `rows`, from the log-likelihoods of
    /// the rows with each of `values` in column `target`; nil for more than `largestValueCount` values.
    public static func probabilities(of positive: Cell, rows: [Row], target: Int, values: [Cell],
                                     logLikelihood: ([Row]) throws -> [Double]) rethrows -> [Double]? {
        guard values.count <= largestValueCount, let index = values.firstIndex(of: positive) else { return nil }
        let scores = try values.map { value in
            try logLikelihood(rows.map { row in
                var row = row
                row[target] = value
                return row
            })
        }
        return rows.indices.map { r in
            let largest = scores.map { $0[r] }.max()!
            let total = scores.map { Double.exp($0[r] - largest) }.reduce(0, +)
            return Double.exp(scores[index][r] - largest) / total
        }
    }
}
