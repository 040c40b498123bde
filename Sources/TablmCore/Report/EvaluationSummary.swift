import Foundation

/// The plain-text summary of an evaluation (`tablm evaluate` prints it): the verdict first, as the
/// HTML page opens with it, then a line per figure.
public enum EvaluationSummary {
    public static func lines(_ report: EvaluationReport, test: String) -> [String] {
        var lines = ReportVerdict(report).lines.enumerated().flatMap { index, line in verdictLines(line, first: index == 0) }
        lines += report.caveats.map { "WARNING       \($0.message)" }
        lines += [
            String(format: "validity      %d of %d synthetic rows fit the schema (%.1f%%)", report.validRows, report.syntheticRows,
                   100 * Double(report.validRows) / Double(max(report.syntheticRows, 1))),
            "fidelity      total variation: 1-way mean \(n(report.meanOneWayTV)), 2-way mean \(n(report.meanTwoWayTV)) (max \(n(report.maxTwoWayTV)))",
            "              Fréchet distance \(n(report.frechetDistance)) (real test vs train: \(n(report.realFrechetDistance))); correlation difference \(n(report.correlationDifference))",
            "utility       target \(report.target), positive class \(report.positiveClass); tested on \(test)",
        ]
        for classifier in report.classifiers {
            for (name, u) in [("TRTR", classifier.trtr), ("TSTR", classifier.tstr)] {
                lines.append("  \(classifier.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(name)  accuracy \(n(u.accuracy, 4))  ROC-AUC \(n(u.rocAUC, 4))  F1 \(n(u.f1, 4))")
            }
        }
        if let u = report.modelConditional {
            lines.append("  the model itself, p(\(report.target) | the rest)  accuracy \(n(u.accuracy, 4))  ROC-AUC \(n(u.rocAUC, 4))  F1 \(n(u.f1, 4))")
        }
        if let f = report.fairness {
            lines.append("fairness      parity gap of \(report.target) by \(f.sensitive): real \(n(f.realParityGap, 4)), synthetic \(n(f.syntheticParityGap, 4))")
            for g in f.groups {
                var line = "  \(g.group.isEmpty ? "(missing)" : g.group): share real \(n(g.realShare)), synthetic \(n(g.syntheticShare)); "
                    + "rate of \(report.positiveClass) real \(n(g.realRate)), synthetic \(n(g.syntheticRate))"
                if let tstr = g.tstr, let trtr = g.trtr, let name = f.ratesClassifier {
                    line += "; \(name) selects \(n(tstr.selection)), TPR \(n(tstr.truePositive)), FPR \(n(tstr.falsePositive)) "
                        + "(trained on real rows: \(n(trtr.selection)), \(n(trtr.truePositive)), \(n(trtr.falsePositive)))"
                }
                lines.append(line)
            }
            for classifier in report.classifiers {
                lines.append("  TSTR \(classifier.name)  demographic-parity difference \(n(classifier.tstrDemographicParityDifference, 4)), "
                             + "equalized-odds difference \(n(classifier.tstrEqualizedOddsDifference, 4))"
                             + (report.isConstant(classifier) ? " (constant predictor: these mean nothing)" : ""))
            }
        }
        lines += beforeLines(report)
        lines.append("privacy       exact copies of training rows \(n(report.exactCopyRate, 4)) (real test rows: \(n(report.realTestExactCopyRate, 4))); "
                     + "closer to train than holdout \(n(report.closerToTrainShare))")
        var attack = "              membership attack ROC-AUC (\(report.membership.members) members, \(report.membership.nonMembers) non-members): "
            + "distance \(n(report.membership.distanceAUC))"
        if let likelihood = report.membership.likelihoodAUC { attack += ", model likelihood \(n(likelihood))" }
        lines.append(attack + " (0.5: no better than guessing)")
        if let p = report.privacy {
            lines.append(String(format: "              trained with (ε = %.4f, δ = %.1e)-DP", p.epsilon, p.delta))
        }
        return lines
    }

    /// A figure as the HTML page writes a number: "n/a" where it is undefined (a rate over an empty
    /// group, a ROC-AUC of one class) or not measured, not printf's "nan".
    private static func n(_ value: Double?, _ digits: Int = 3) -> String { EvaluationHTML.f(value ?? .nan, digits) }

    /// A question of the verdict: its answer and figures beside their references on one line, the
    /// plain reading on the next.
    static func verdictLines(_ line: ReportVerdict.Line, first: Bool) -> [String] {
        let figures = line.figures.map { $0.referenceName.isEmpty ? "\($0.name): \($0.value)" : "\($0.name) \($0.value), \($0.referenceName) \($0.reference)" }
        let head = (first ? "verdict       " : "              ") + "\(line.question) \(line.answer)"
        return [figures.isEmpty ? head : head + " (" + figures.joined(separator: "; ") + ")", "                " + line.reading]
    }

    /// `evaluate --before`: the other table's figures, then this one's, where the mask acts.
    static func beforeLines(_ report: EvaluationReport) -> [String] {
        guard let before = report.before else { return [] }
        var lines = ["before/after  \(before.synthetic) -> this table: total variation 1-way \(n(before.meanOneWayTV)) -> \(n(report.meanOneWayTV)), "
                     + "2-way \(n(before.meanTwoWayTV)) -> \(n(report.meanTwoWayTV))"]
        for (earlier, now) in zip(before.classifiers, report.classifiers) {
            lines.append("  \(now.name) TSTR  ROC-AUC \(n(earlier.tstr.rocAUC, 4)) -> \(n(now.tstr.rocAUC, 4)), F1 \(n(earlier.tstr.f1, 4)) -> \(n(now.tstr.f1, 4)), "
                         + "demographic-parity difference \(n(earlier.tstrDemographicParityDifference, 4)) -> \(n(now.tstrDemographicParityDifference, 4)), "
                         + "equalized-odds difference \(n(earlier.tstrEqualizedOddsDifference, 4)) -> \(n(now.tstrEqualizedOddsDifference, 4))")
        }
        if let earlier = before.fairness, let now = report.fairness {
            lines.append("  parity gap of \(report.target) by \(now.sensitive) \(n(earlier.syntheticParityGap, 4)) -> \(n(now.syntheticParityGap, 4)) "
                         + "(real \(n(now.realParityGap, 4)))")
            for g in now.groups {
                guard let e = earlier.groups.first(where: { $0.group == g.group }) else { continue }
                var line = "  \(g.group): share \(n(e.syntheticShare)) -> \(n(g.syntheticShare)) (real \(n(g.realShare))), "
                    + "rate of \(report.positiveClass) \(n(e.syntheticRate)) -> \(n(g.syntheticRate)) (real \(n(g.realRate)))"
                if let a = e.tstr, let b = g.tstr {
                    line += "; TSTR selects \(n(a.selection)) -> \(n(b.selection)), TPR \(n(a.truePositive)) -> \(n(b.truePositive)), "
                        + "FPR \(n(a.falsePositive)) -> \(n(b.falsePositive))"
                }
                lines.append(line)
            }
        }
        return lines
    }
}
