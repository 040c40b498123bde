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
            String(format: "fidelity      total variation: 1-way mean %.3f, 2-way mean %.3f (max %.3f)", report.meanOneWayTV,
                   report.meanTwoWayTV, report.maxTwoWayTV),
            String(format: "              Fréchet distance %.3f (real test vs train: %.3f); correlation difference %.3f",
                   report.frechetDistance, report.realFrechetDistance, report.correlationDifference),
            "utility       target \(report.target), positive class \(report.positiveClass); tested on \(test)",
        ]
        for classifier in report.classifiers {
            for (name, u) in [("TRTR", classifier.trtr), ("TSTR", classifier.tstr)] {
                lines.append(String(format: "  %@ %@  accuracy %.4f  ROC-AUC %.4f  F1 %.4f",
                                    classifier.name.padding(toLength: 20, withPad: " ", startingAt: 0), name, u.accuracy, u.rocAUC, u.f1))
            }
        }
        if let u = report.modelConditional {
            lines.append(String(format: "  the model itself, p(%@ | the rest)  accuracy %.4f  ROC-AUC %.4f  F1 %.4f", report.target, u.accuracy, u.rocAUC, u.f1))
        }
        if let f = report.fairness {
            lines.append(String(format: "fairness      parity gap of %@ by %@: real %.4f, synthetic %.4f", report.target, f.sensitive,
                                f.realParityGap, f.syntheticParityGap))
            for g in f.groups {
                var line = String(format: "  %@: share real %.3f, synthetic %.3f; rate of %@ real %.3f, synthetic %.3f",
                                  g.group.isEmpty ? "(missing)" : g.group, g.realShare, g.syntheticShare, report.positiveClass, g.realRate, g.syntheticRate)
                if let tstr = g.tstr, let trtr = g.trtr, let name = f.ratesClassifier {
                    line += String(format: "; %@ selects %.3f, TPR %.3f, FPR %.3f (trained on real rows: %.3f, %.3f, %.3f)", name,
                                   tstr.selection, tstr.truePositive, tstr.falsePositive, trtr.selection, trtr.truePositive, trtr.falsePositive)
                }
                lines.append(line)
            }
            for classifier in report.classifiers {
                lines.append(String(format: "  TSTR %@  demographic-parity difference %.4f, equalized-odds difference %.4f%@", classifier.name,
                                    classifier.tstrDemographicParityDifference ?? .nan, classifier.tstrEqualizedOddsDifference ?? .nan,
                                    report.isConstant(classifier) ? " (constant predictor: these mean nothing)" : ""))
            }
        }
        lines += beforeLines(report)
        lines.append(String(format: "privacy       exact copies of training rows %.4f (real test rows: %.4f); closer to train than holdout %.3f",
                            report.exactCopyRate, report.realTestExactCopyRate, report.closerToTrainShare))
        var attack = String(format: "              membership attack ROC-AUC (%d members, %d non-members): distance %.3f",
                            report.membership.members, report.membership.nonMembers, report.membership.distanceAUC)
        if let likelihood = report.membership.likelihoodAUC { attack += String(format: ", model likelihood %.3f", likelihood) }
        lines.append(attack + " (0.5: no better than guessing)")
        if let p = report.privacy {
            lines.append(String(format: "              trained with (ε = %.4f, δ = %.1e)-DP", p.epsilon, p.delta))
        }
        return lines
    }

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
        var lines = [String(format: "before/after  %@ -> this table: total variation 1-way %.3f -> %.3f, 2-way %.3f -> %.3f", before.synthetic,
                            before.meanOneWayTV, report.meanOneWayTV, before.meanTwoWayTV, report.meanTwoWayTV)]
        for (earlier, now) in zip(before.classifiers, report.classifiers) {
            lines.append(String(format: "  %@ TSTR  ROC-AUC %.4f -> %.4f, F1 %.4f -> %.4f, demographic-parity difference %.4f -> %.4f, equalized-odds difference %.4f -> %.4f",
                                now.name, earlier.tstr.rocAUC, now.tstr.rocAUC, earlier.tstr.f1, now.tstr.f1,
                                earlier.tstrDemographicParityDifference ?? .nan, now.tstrDemographicParityDifference ?? .nan,
                                earlier.tstrEqualizedOddsDifference ?? .nan, now.tstrEqualizedOddsDifference ?? .nan))
        }
        if let earlier = before.fairness, let now = report.fairness {
            lines.append(String(format: "  parity gap of %@ by %@ %.4f -> %.4f (real %.4f)", report.target, now.sensitive,
                                earlier.syntheticParityGap, now.syntheticParityGap, now.realParityGap))
            for g in now.groups {
                guard let e = earlier.groups.first(where: { $0.group == g.group }) else { continue }
                var line = String(format: "  %@: share %.3f -> %.3f (real %.3f), rate of %@ %.3f -> %.3f (real %.3f)", g.group, e.syntheticShare, g.syntheticShare,
                                  g.realShare, report.positiveClass, e.syntheticRate, g.syntheticRate, g.realRate)
                if let a = e.tstr, let b = g.tstr {
                    line += String(format: "; TSTR selects %.3f -> %.3f, TPR %.3f -> %.3f, FPR %.3f -> %.3f", a.selection, b.selection,
                                   a.truePositive, b.truePositive, a.falsePositive, b.falsePositive)
                }
                lines.append(line)
            }
        }
        return lines
    }
}
