/// Membership-inference attacks on a synthetic release: can an attacker tell the rows that trained
/// the model (members) from rows of the same population that did not (non-members)? The attack's
/// ROC-AUC is 0.5 when it cannot; the closer to 1, the more the release gives away membership.
public enum MembershipInference {
    /// AUC of an attacker that calls a row a member when its score is higher.
    public static func auc(memberScores: [Double], nonMemberScores: [Double]) -> Double {
        ClassificationMetrics.rocAUC(scores: memberScores + nonMemberScores,
                                     labels: memberScores.map { _ in true } + nonMemberScores.map { _ in false })
    }

    /// The distance-to-closest-record attack (as in Stadler et al. 2022's "closest distance" baseline):
    /// a row close to some synthetic row is guessed a member. Returns the Euclidean distance of each
    /// `queries` row to its nearest `reference` row (row-major features of `width`).
    public static func nearestDistances(queries: [Double], reference: [Double], width d: Int) -> [Double] {
        let q = queries.count / max(d, 1), r = reference.count / max(d, 1)
        var result = [Double](repeating: .infinity, count: q)
        queries.withUnsafeBufferPointer { queries in
            reference.withUnsafeBufferPointer { reference in
                for i in 0..<q {
                    let a = queries.baseAddress! + i * d
                    var best = Double.infinity
                    for j in 0..<r {
                        let b = reference.baseAddress! + j * d
                        var sum = 0.0
                        for k in 0..<d {
                            let difference = a[k] - b[k]
                            sum += difference * difference
                        }
                        best = min(best, sum)
                    }
                    result[i] = best.squareRoot()
                }
            }
        }
        return result
    }
}
