/// Metrics of a binary classifier's scores against true labels.
public enum ClassificationMetrics {
    public static func accuracy(scores: [Double], labels: [Bool], threshold: Double = 0.5) -> Double {
        guard !labels.isEmpty else { return .nan }
        return Double(zip(scores, labels).filter { ($0 >= threshold) == $1 }.count) / Double(labels.count)
    }

    /// F1 of the positive class at the threshold.
    public static func f1(scores: [Double], labels: [Bool], threshold: Double = 0.5) -> Double {
        var tp = 0.0, fp = 0.0, fn = 0.0
        for (score, label) in zip(scores, labels) {
            let predicted = score >= threshold
            if predicted && label { tp += 1 } else if predicted { fp += 1 } else if label { fn += 1 }
        }
        return tp == 0 ? 0 : 2 * tp / (2 * tp + fp + fn)
    }

    /// Area under the ROC curve: the probability that a random positive scores above a random
    /// negative, ties counting one half (Mann–Whitney U / (n₊ n₋)).
    public static func rocAUC(scores: [Double], labels: [Bool]) -> Double {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = [Double](repeating: 0, count: scores.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end) / 2 + 1
            for k in start...end { ranks[order[k]] = averageRank }
            start = end + 1
        }
        let positives = Double(labels.filter { $0 }.count), negatives = Double(labels.count) - positives
        guard positives > 0 && negatives > 0 else { return .nan }
        let rankSum = zip(ranks, labels).filter(\.1).reduce(0) { $0 + $1.0 }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives)
    }
}

/// Group fairness of outcomes (Barocas, Hardt & Narayanan, "Fairness and Machine Learning", ch. 3).
public enum FairnessMetrics {
    /// max − min over groups of P(outcome | group): the demographic-parity difference (of predictions)
    /// or the parity gap (of the data's target).
    public static func parityDifference(outcomes: [Bool], groups: [String]) -> Double {
        var positives: [String: Double] = [:], totals: [String: Double] = [:]
        for (outcome, group) in zip(outcomes, groups) {
            totals[group, default: 0] += 1
            if outcome { positives[group, default: 0] += 1 }
        }
        let rates = totals.map { positives[$0.key, default: 0] / $0.value }
        guard let high = rates.max(), let low = rates.min() else { return .nan }
        return high - low
    }

    /// P(outcome | group = `group`); NaN when the group has no rows.
    public static func rate(outcomes: [Bool], groups: [String], group: String) -> Double {
        var positives = 0.0, total = 0.0
        for (outcome, g) in zip(outcomes, groups) where g == group {
            total += 1
            if outcome { positives += 1 }
        }
        return total == 0 ? .nan : positives / total
    }

    /// A classifier's selection rate, true-positive rate and false-positive rate on the rows of
    /// `group` (NaN where the group has no rows, or no positive or negative labels).
    public static func rates(predictions: [Bool], labels: [Bool], groups: [String], group: String) -> EvaluationReport.GroupRates {
        let members = groups.indices.filter { groups[$0] == group }
        func share(_ rows: [Int]) -> Double { rows.isEmpty ? .nan : Double(rows.filter { predictions[$0] }.count) / Double(rows.count) }
        return EvaluationReport.GroupRates(selection: share(members), truePositive: share(members.filter { labels[$0] }),
                                           falsePositive: share(members.filter { !labels[$0] }))
    }

    /// Equalized-odds difference: the larger of the true-positive-rate gap and the false-positive-rate
    /// gap across groups.
    public static func equalizedOddsDifference(predictions: [Bool], labels: [Bool], groups: [String]) -> Double {
        func gap(_ label: Bool) -> Double {
            let indices = labels.indices.filter { labels[$0] == label }
            return parityDifference(outcomes: indices.map { predictions[$0] }, groups: indices.map { groups[$0] })
        }
        return max(gap(true), gap(false))
    }
}
