import Foundation

/// The evaluation as one self-contained HTML page: a summary table, real-vs-synthetic histograms per
/// column, heat maps of the 2-way distances and association differences, and fairness bars per
/// group. Charts are inline SVG; the page loads nothing from anywhere.
public enum EvaluationHTML {
    static let style = """
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px;color:#222;max-width:1200px}
    h1{font-size:20px}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}
    table{border-collapse:collapse;font-size:13px}.scroll{overflow-x:auto}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
    td.n{text-align:right;font-variant-numeric:tabular-nums}.grid{display:flex;flex-wrap:wrap;gap:8px}.note{color:#555;font-size:12px}
    .caveat{border:2px solid #c0392b;background:#fdecea;padding:4px 12px;margin:12px 0}
    """

    static func f(_ value: Double?, _ digits: Int = 3) -> String {
        guard let value else { return "–" }
        return value.isFinite ? String(format: "%.\(digits)f", value) : (value.isNaN ? "n/a" : (value > 0 ? "∞" : "−∞"))
    }

    static func row(_ cells: [String], header: Bool = false) -> String {
        "<tr>" + cells.enumerated().map { index, cell in
            header ? "<th>\(cell)</th>" : (index > 0 && index < cells.count - 1 ? "<td class=\"n\">\(cell)</td>" : "<td>\(cell)</td>")
        }.joined() + "</tr>"
    }

    /// Most bars one column's chart shows; beyond it the largest `mostBars - 1` values (by their
    /// real share) are kept and the rest pooled into one bar, so native_country's 41 stay readable.
    static let mostBars = 16

    /// The bars of a column's chart: bins empty on both sides (an unused "missing") left out, and
    /// many categories pooled as `mostBars` says.
    public static func bars(_ histogram: EvaluationReport.Histogram) -> (labels: [String], real: [Double?], synthetic: [Double?]) {
        var kept = histogram.bins.indices.filter { histogram.real[$0] > 0 || histogram.synthetic[$0] > 0 }
        guard kept.count > mostBars else {
            return (kept.map { histogram.bins[$0] }, kept.map { histogram.real[$0] }, kept.map { histogram.synthetic[$0] })
        }
        kept.sort { (histogram.real[$0], histogram.synthetic[$0]) > (histogram.real[$1], histogram.synthetic[$1]) }
        let shown = Array(kept.prefix(mostBars - 1)), pooled = kept.dropFirst(mostBars - 1)
        return (shown.map { histogram.bins[$0] } + ["other (\(pooled.count) values)"],
                shown.map { histogram.real[$0] } + [pooled.reduce(0) { $0 + histogram.real[$1] }],
                shown.map { histogram.synthetic[$0] } + [pooled.reduce(0) { $0 + histogram.synthetic[$1] }])
    }

    public static func page(_ report: EvaluationReport, title: String) -> String {
        let e = SVGChart.escape
        var html = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(e(title))</title><style>\(style)</style></head><body>"
        html += "<h1>\(e(title))</h1>"
        if let p = report.privacy {
            html += "<p>The model was trained with <b>(ε = \(f(p.epsilon, 4)), δ = \(String(format: "%.1e", p.delta)))-differential privacy</b> (\(e(p.accountant)) accountant, noise multiplier \(f(p.noiseMultiplier, 4))\(p.balance.map { ", group-balanced sampling on \(e($0.column)), every step charged at the largest rate \(f($0.maxRate, 5)) and the group counts' release included" } ?? "")).</p>"
        } else {
            html += "<p>No differential-privacy record: the model was trained without DP, or no checkpoint was given.</p>"
        }
        if !report.caveats.isEmpty {
            html += "<div class=\"caveat\"><b>Read this first.</b><ul>" + report.caveats.map { "<li>\(e($0.message))</li>" }.joined() + "</ul></div>"
        }
        html += "<p class=\"note\">This report reads the real rows; it is for the data owner, not for release with the synthetic table.</p>"

        html += "<h2>Summary</h2><table>" + row(["metric", "value", "reading"], header: true)
        html += row(["valid rows", "\(report.validRows) of \(report.syntheticRows)", "every row should fit the schema"])
        html += row(["mean 1-way total variation", f(report.meanOneWayTV), "0 = same column distributions"])
        html += row(["mean (max) 2-way total variation", "\(f(report.meanTwoWayTV)) (\(f(report.maxTwoWayTV)))", "0 = same pair distributions"])
        html += row(["Fréchet distance", f(report.frechetDistance), "real test vs train gives \(f(report.realFrechetDistance)): sampling noise alone"])
        html += row(["correlation difference", f(report.correlationDifference), "mean |Δ| of Pearson r, Cramér's V, correlation ratio"])
        for c in report.classifiers {
            html += row(["\(e(c.name)): TSTR accuracy / ROC-AUC / F1", "\(f(c.tstr.accuracy)) / \(f(c.tstr.rocAUC)) / \(f(c.tstr.f1))",
                         "train on real: \(f(c.trtr.accuracy)) / \(f(c.trtr.rocAUC)) / \(f(c.trtr.f1))"])
        }
        if let u = report.modelConditional {
            html += row(["the model itself, p(\(e(report.target)) | the other columns): accuracy / ROC-AUC / F1", "\(f(u.accuracy)) / \(f(u.rocAUC)) / \(f(u.f1))",
                         "TSTR well below this: lost in sampling; close to it: lost in what the model learned"])
        }
        if let fair = report.fairness {
            html += row(["parity gap of \(e(report.target)) = \(e(report.positiveClass)) by \(e(fair.sensitive))", f(fair.syntheticParityGap), "real rows: \(f(fair.realParityGap))"])
            for c in report.classifiers {
                html += row(["\(e(c.name)) (TSTR): demographic-parity / equalized-odds difference",
                             "\(f(c.tstrDemographicParityDifference)) / \(f(c.tstrEqualizedOddsDifference))",
                             report.isConstant(c) ? "<b>means nothing</b>: the model predicts one class for every row" : "0 = equal across groups"])
            }
        }
        html += row(["exact copies of training rows", f(report.exactCopyRate, 4), "real test rows: \(f(report.realTestExactCopyRate, 4))"])
        html += row(["closer to train than to holdout", f(report.closerToTrainShare), "≈ 0.5 good, near 1 = memorisation"])
        html += row(["membership attack ROC-AUC, distance", f(report.membership.distanceAUC), "0.5 = attacker guesses"])
        if let likelihood = report.membership.likelihoodAUC {
            html += row(["membership attack ROC-AUC, model likelihood", f(likelihood), "0.5 = attacker guesses"])
        }
        html += "</table>"

        html += "<h2>Columns: real (training rows) vs synthetic</h2><div class=\"grid\">"
        for histogram in report.histograms {
            let bars = Self.bars(histogram)
            let title = "\(histogram.column) (TV \(f(report.oneWayTV[histogram.column])))"
            html += SVGChart.groupedBars(title: title, categories: bars.labels,
                                         series: [SVGChart.Series(name: "real", color: SVGChart.palette[0], values: bars.real),
                                                  SVGChart.Series(name: "synthetic", color: SVGChart.palette[1], values: bars.synthetic)],
                                         yLabel: "share", width: bars.labels.count > 12 ? 720 : 420)
        }
        html += "</div>"

        let n = report.columns.count
        html += "<h2>Pairs of columns</h2><div class=\"grid\">"
        html += SVGChart.heatMap(title: "2-way total variation (diagonal: 1-way)", labels: report.columns, values: report.twoWayTV,
                                 maximum: SVGChart.Scale(maximum: max(report.twoWayTV.max() ?? 0, 0.05)).top)
        let difference = zip(report.realAssociation, report.syntheticAssociation).map { abs($0 - $1) }
        html += SVGChart.heatMap(title: "|association real − synthetic|", labels: report.columns, values: difference,
                                 maximum: SVGChart.Scale(maximum: max(difference.max() ?? 0, 0.05)).top)
        html += "</div><p class=\"note\">Numbers are cut into 10 quantile bins fitted on the training rows, a value that holds a tenth of them or more in a bin of its own; missing is a bin of its own. Association: Pearson r (two numbers), Cramér's V (two categories), correlation ratio η (one of each); \(n) columns.</p>"

        if let fair = report.fairness {
            let groups = fair.groups.map(\.group)
            html += "<h2>Fairness: \(e(report.target)) = \(e(report.positiveClass)) by \(e(fair.sensitive))</h2>"
            html += SVGChart.groupedBars(title: "P(\(report.target) = \(report.positiveClass) | \(fair.sensitive))", categories: groups,
                                         series: [SVGChart.Series(name: "real rows", color: SVGChart.palette[0], values: fair.groups.map(\.realRate)),
                                                  SVGChart.Series(name: "synthetic rows", color: SVGChart.palette[1], values: fair.groups.map(\.syntheticRate)),
                                                  SVGChart.Series(name: "TSTR predictions", color: SVGChart.palette[2], values: fair.groups.map(\.tstrPredictedRate))],
                                         yLabel: "positive rate", width: 520, valueLabels: true)
            let rated = fair.ratesClassifier ?? ""
            html += "<table>" + row(["group", "share real", "share synthetic", "rate real", "rate synthetic", "TSTR predicted rate",
                                     "TSTR TPR", "TSTR FPR", "TRTR TPR", "TRTR FPR"], header: true)
            for g in fair.groups {
                html += "<tr><td>\(e(g.group))</td>" + [g.realShare, g.syntheticShare, g.realRate, g.syntheticRate, g.tstrPredictedRate,
                                                      g.tstr?.truePositive ?? .nan, g.tstr?.falsePositive ?? .nan, g.trtr?.truePositive ?? .nan, g.trtr?.falsePositive ?? .nan]
                    .map { "<td class=\"n\">\(f($0))</td>" }.joined() + "</tr>"
            }
            html += "</table><p class=\"note\">TSTR predicted rate: the \(e(report.classifiers.first?.name ?? "")) trained on synthetic rows, on the real test rows. TPR and FPR: the \(e(rated))'s true- and false-positive rates on the group's test rows, trained on the synthetic rows (TSTR) and on the real ones (TRTR); equalized odds asks them equal across groups.</p>"
        }
        if let before = report.before {
            html += "<h2>Before and after: \(e(before.synthetic)) → this table</h2><table>" + row(["figure", "before", "after", "real rows"], header: true)
            html += row(["mean 1-way / 2-way total variation", "\(f(before.meanOneWayTV)) / \(f(before.meanTwoWayTV))", "\(f(report.meanOneWayTV)) / \(f(report.meanTwoWayTV))", "0 / 0"])
            for (earlier, now) in zip(before.classifiers, report.classifiers) {
                html += row(["\(e(now.name)) TSTR ROC-AUC / F1", "\(f(earlier.tstr.rocAUC)) / \(f(earlier.tstr.f1))", "\(f(now.tstr.rocAUC)) / \(f(now.tstr.f1))",
                             "\(f(now.trtr.rocAUC)) / \(f(now.trtr.f1))"])
                html += row(["\(e(now.name)) TSTR demographic-parity / equalized-odds difference",
                             "\(f(earlier.tstrDemographicParityDifference)) / \(f(earlier.tstrEqualizedOddsDifference))",
                             "\(f(now.tstrDemographicParityDifference)) / \(f(now.tstrEqualizedOddsDifference))", "–"])
            }
            if let earlier = before.fairness, let now = report.fairness {
                html += row(["parity gap by \(e(now.sensitive))", f(earlier.syntheticParityGap), f(now.syntheticParityGap), f(now.realParityGap)])
                for g in now.groups {
                    guard let b = earlier.groups.first(where: { $0.group == g.group }) else { continue }
                    html += row(["\(e(g.group)): share / rate of \(e(report.positiveClass))", "\(f(b.syntheticShare)) / \(f(b.syntheticRate))",
                                 "\(f(g.syntheticShare)) / \(f(g.syntheticRate))", "\(f(g.realShare)) / \(f(g.realRate))"])
                    if let x = b.tstr, let y = g.tstr {
                        html += row(["\(e(g.group)): TSTR TPR / FPR", "\(f(x.truePositive)) / \(f(x.falsePositive))", "\(f(y.truePositive)) / \(f(y.falsePositive))",
                                     g.trtr.map { "\(f($0.truePositive)) / \(f($0.falsePositive)) (TRTR)" } ?? "–"])
                    }
                }
            }
            html += "</table>"
        }
        return html + "</body></html>\n"
    }
}
