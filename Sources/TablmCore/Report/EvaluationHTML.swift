import Foundation

/// The evaluation as one self-contained HTML page, answer first: the verdict (useful? private? fair?),
/// what the run read and where it ran, then the figures: the table of every figure, real-vs-synthetic
/// histograms per column, the lower triangles of the 2-way distances and association differences,
/// fairness bars per group. Every term is defined where it is first used. Charts are inline SVG that
/// scale to the page's width (a phone's 390 px included); the page loads nothing from anywhere.
public enum EvaluationHTML {
    static let style = """
    *{box-sizing:border-box}
    body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;padding:12px 16px;color:#222;max-width:1200px;line-height:1.4}
    h1{font-size:20px;overflow-wrap:anywhere}h2{font-size:16px;margin-top:28px;border-bottom:1px solid #ccc}
    table{border-collapse:collapse;font-size:13px}.scroll{overflow-x:auto;max-width:100%}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
    td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}td.range{text-align:right;font-variant-numeric:tabular-nums}
    td.path,.path{overflow-wrap:anywhere}td .note{margin-top:2px}
    .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,400px),1fr));gap:12px 20px}
    .grid.wide{grid-template-columns:repeat(auto-fill,minmax(min(100%,540px),1fr))}
    svg{display:block;width:100%;height:auto}.note{color:#555;font-size:12px}
    .caveat{border:2px solid #c0392b;background:#fdecea;padding:4px 12px;margin:12px 0}
    .verdict{border:1px solid #bbb;border-radius:6px;padding:2px 12px;margin:12px 0}
    .line{display:grid;grid-template-columns:18px 1fr;gap:2px 10px;padding:10px 0;border-bottom:1px solid #eee}.line:last-child{border-bottom:0}
    .light{width:16px;height:16px;border-radius:50%;margin-top:3px}.green{background:#2e8540}.amber{background:#e8a200}.red{background:#c0392b}
    .none{border:2px solid #999}.figure{font-variant-numeric:tabular-nums}.threshold{color:#555;font-size:12px}
    dl.terms{font-size:12px;color:#444;margin:8px 0 12px;padding:2px 0 2px 10px;border-left:3px solid #ddd}dl.terms dt{font-weight:bold;display:inline}dl.terms dt::after{content:": "}
    dl.terms dd{display:inline;margin:0}dl.terms dd::after{content:"";display:block}abbr{text-decoration:underline dotted;cursor:help}
    """

    /// The head every tablm page shares: the viewport tag makes a phone lay the page out at its own
    /// width instead of a 980 px desktop one.
    static func head(title: String) -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<title>\(SVGChart.escape(title))</title><style>\(style)</style></head><body>"
    }

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
    /// Categories come in order of their real share, largest first (ties: synthetic share), so
    /// the shape reads at a glance; numeric bins keep their order.
    public static func bars(_ histogram: EvaluationReport.Histogram) -> (labels: [String], real: [Double?], synthetic: [Double?]) {
        var kept = histogram.bins.indices.filter { histogram.real[$0] > 0 || histogram.synthetic[$0] > 0 }
        if !histogram.numeric {
            kept.sort { (histogram.real[$0], histogram.synthetic[$0], $1) > (histogram.real[$1], histogram.synthetic[$1], $0) }
        }
        guard kept.count > mostBars else {
            return (kept.map { histogram.bins[$0] }, kept.map { histogram.real[$0] }, kept.map { histogram.synthetic[$0] })
        }
        kept.sort { (histogram.real[$0], histogram.synthetic[$0]) > (histogram.real[$1], histogram.synthetic[$1]) }
        let shown = Array(kept.prefix(mostBars - 1)), pooled = kept.dropFirst(mostBars - 1)
        return (shown.map { histogram.bins[$0] } + ["other (\(pooled.count) values)"],
                shown.map { histogram.real[$0] } + [pooled.reduce(0) { $0 + histogram.real[$1] }],
                shown.map { histogram.synthetic[$0] } + [pooled.reduce(0) { $0 + histogram.synthetic[$1] }])
    }


    /// A number as the page's tables write it, thousands grouped: 86,340; 0.5; 32,561.
    static func amount(_ value: Double) -> String {
        guard value.isFinite else { return f(value) }
        let formatter = NumberFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.numberStyle = .decimal
        formatter.usesGroupingSeparator = true
        formatter.groupingSeparator = ","
        formatter.groupingSize = 3
        formatter.maximumFractionDigits = 4
        return formatter.string(from: NSNumber(value: value)) ?? String(value)
    }

    static func count(_ value: Int) -> String { amount(Double(value)) }

    public static func page(_ report: EvaluationReport, title: String, context: ReportContext? = nil) -> String {
        let e = SVGChart.escape
        var glossary = GlossaryUse()
        var html = head(title: title) + "<h1>\(e(title))</h1>"
        html += verdict(ReportVerdict(report), glossary: &glossary)
        if !report.caveats.isEmpty {
            html += "<div class=\"caveat\"><b>Read this first.</b><ul>" + report.caveats.map { "<li>\(glossary.mark($0.message))</li>" }.joined() + "</ul></div>"
            html += glossary.definitions()
        }
        html += runContext(report, context: context, glossary: &glossary)
        html += figures(report, glossary: &glossary)
        html += charts(report, glossary: &glossary)
        html += fairness(report, glossary: &glossary)
        html += before(report)
        return html + "</body></html>\n"
    }

    /// The table of every figure, each with what it is read against.
    static func figures(_ report: EvaluationReport, glossary: inout GlossaryUse) -> String {
        let e = SVGChart.escape
        // Two columns, the reading under the figure's name: three would not fit a phone.
        func line(_ name: String, _ value: String, _ reading: String) -> String {
            "<tr><td>\(glossary.mark(name))<div class=\"note\">\(reading)</div></td><td class=\"n\">\(value)</td></tr>"
        }
        var html = "<h2>All figures</h2><div class=\"scroll\"><table>" + row(["figure, and what it is read against", "value"], header: true)
        html += line("valid rows", "\(count(report.validRows)) of \(count(report.syntheticRows))", "every row should fit the schema")
        html += line("mean 1-way TV", f(report.meanOneWayTV), "0 = the same column distributions")
        html += line("mean (max) 2-way TV", "\(f(report.meanTwoWayTV)) (\(f(report.maxTwoWayTV)))", "0 = the same pair distributions")
        html += line("Fréchet distance", f(report.frechetDistance),
                     "real test vs train rows give \(f(report.realFrechetDistance)): sampling noise alone" + (frechetDrivers(report).map { ". " + e($0) } ?? ""))
        html += line("correlation difference", f(report.correlationDifference), "mean |Δ| of the association of each pair of columns")
        for c in report.classifiers {
            html += line("\(c.name): TSTR accuracy / ROC-AUC / F1", "\(f(c.tstr.accuracy)) / \(f(c.tstr.rocAUC)) / \(f(c.tstr.f1))",
                         "TRTR: \(f(c.trtr.accuracy)) / \(f(c.trtr.rocAUC)) / \(f(c.trtr.f1))")
        }
        if let u = report.modelConditional {
            html += line("the model itself, p(\(report.target) | the other columns): accuracy / ROC-AUC / F1", "\(f(u.accuracy)) / \(f(u.rocAUC)) / \(f(u.f1))",
                         "TSTR well below this: lost in sampling; close to it: lost in what the model learned")
        }
        if let fair = report.fairness {
            html += line("parity gap of \(report.target) = \(report.positiveClass) by \(fair.sensitive)", f(fair.syntheticParityGap), "real rows: \(f(fair.realParityGap))")
            for c in report.classifiers {
                html += line("\(c.name) (TSTR): demographic-parity difference / equalized-odds difference",
                             "\(f(c.tstrDemographicParityDifference)) / \(f(c.tstrEqualizedOddsDifference))",
                             report.isConstant(c) ? "<b>means nothing</b>: the model predicts one class for every row"
                                : "TRTR: \(f(c.trtrDemographicParityDifference)) / \(f(c.trtrEqualizedOddsDifference)); 0 = equal across groups")
            }
        }
        html += line("exact copies of training rows", f(report.exactCopyRate, 4), "real test rows: \(f(report.realTestExactCopyRate, 4))")
        html += line("DCR: closer to train than to holdout", f(report.closerToTrainShare), "≈ 0.5 good, near 1 = memorisation")
        html += line("membership inference ROC-AUC, distance", f(report.membership.distanceAUC), "0.5 = the attacker guesses")
        if let likelihood = report.membership.likelihoodAUC {
            html += line("membership inference ROC-AUC, model likelihood", f(likelihood), "0.5 = the attacker guesses")
        }
        html += "</table></div>" + glossary.definitions()
        html += ranges(report)
        return html
    }

    /// The Fréchet distance's main causes in words, when it is well above sampling noise: the
    /// columns that on their own give a quarter of it or more, with their synthetic range where it
    /// leaves the real one.
    public static func frechetDrivers(_ report: EvaluationReport) -> String? {
        guard report.frechetDistance > max(2 * report.realFrechetDistance, 0.1) else { return nil }
        let drivers = report.ranges.filter { $0.aloneFrechet >= 0.25 * report.frechetDistance }.sorted { $0.aloneFrechet > $1.aloneFrechet }
        guard !drivers.isEmpty else { return nil }
        return "Mostly " + drivers.map { r in
            var words = "\(r.column) (on its own \(f(r.aloneFrechet)))"
            if r.rowsAbove > 0, let high = r.syntheticMaximum {
                words += ": synthetic values up to \(amount(high)) where the real maximum is \(amount(r.realMaximum)), \(count(r.rowsAbove)) rows above it"
            }
            if r.rowsBelow > 0, let low = r.syntheticMinimum {
                words += "\(r.rowsAbove > 0 ? ";" : ":") synthetic values down to \(amount(low)) where the real minimum is \(amount(r.realMinimum)), \(count(r.rowsBelow)) rows below it"
            }
            return words
        }.joined(separator: "; ")
    }

    /// Numeric columns: the real and synthetic ranges and each column's own Fréchet distance, the
    /// column that moves the distance most first.
    static func ranges(_ report: EvaluationReport) -> String {
        guard !report.ranges.isEmpty else { return "" }
        let e = SVGChart.escape
        var html = "<h2>Numbers: real and synthetic ranges</h2><div class=\"scroll\"><table>"
            + row(["column", "real range", "synthetic range", "Fréchet distance, this column alone"], header: true)
        for r in report.ranges.sorted(by: { ($0.aloneFrechet, $0.outside) > ($1.aloneFrechet, $1.outside) }) {
            let synthetic = r.syntheticMinimum.map { "\(amount($0)) – \(amount(r.syntheticMaximum!))" } ?? "–"
            let outside = r.outside == 0 ? "" : "<div class=\"note\">\(count(r.outside)) rows outside the real range (\(String(format: "%.2f", 100 * Double(r.outside) / Double(max(r.syntheticNumbers, 1))))%)</div>"
            html += "<tr><td>\(e(r.column))</td><td class=\"range\">\(amount(r.realMinimum)) – \(amount(r.realMaximum))</td><td class=\"range\">\(synthetic)\(outside)</td>"
                + "<td class=\"n\">\(f(r.aloneFrechet))</td></tr>"
        }
        return html + "</table></div><p class=\"note\">Real: the training rows. A column's own Fréchet distance is (Δ mean)² + (Δ standard deviation)² in units of the real standard deviation: the part of the table's distance that column alone explains, about.</p>"
    }

    /// Histograms per column and the two heat maps.
    static func charts(_ report: EvaluationReport, glossary: inout GlossaryUse) -> String {
        var html = "<h2>Columns: real training rows vs synthetic rows</h2><div class=\"grid\">"
        for histogram in report.histograms {
            let bars = Self.bars(histogram)
            let percent = { (values: [Double?]) in values.map { $0.map { 100 * $0 } } }
            html += SVGChart.groupedBars(title: "\(histogram.column): 1-way TV \(f(report.oneWayTV[histogram.column]))", categories: bars.labels,
                                         series: [SVGChart.Series(name: "real", color: SVGChart.palette[0], values: percent(bars.real)),
                                                  SVGChart.Series(name: "synthetic", color: SVGChart.palette[1], values: percent(bars.synthetic))],
                                         xLabel: histogram.numeric ? "\(histogram.column) (bins fitted on the real rows)" : "\(histogram.column) (by real frequency)",
                                         yLabel: "share of rows (%)")
        }
        html += "</div><p class=\"note\">Numbers are cut into 10 quantile bins fitted on the training rows, [a, b) holding a ≤ x < b and the last bin closed at the largest value either table holds; a value that holds a tenth of the rows or more is a bin of its own; missing is a bin of its own. Categories are ordered by their share of the real rows; beyond \(mostBars) the smallest are pooled.</p>"
        let n = report.columns.count
        html += "<h2>Pairs of columns</h2><div class=\"grid wide\">"
        html += SVGChart.heatMap(title: "2-way TV, real vs synthetic", labels: report.columns, values: report.twoWayTV,
                                 maximum: SVGChart.Scale(maximum: max(lowerTriangle(report.twoWayTV, n).max() ?? 0, 0.05)).top)
        let difference = zip(report.realAssociation, report.syntheticAssociation).map { abs($0 - $1) }
        html += SVGChart.heatMap(title: "|association real − synthetic|", labels: report.columns, values: difference,
                                 maximum: SVGChart.Scale(maximum: max(lowerTriangle(difference, n).max() ?? 0, 0.05)).top)
        html += "</div><p class=\"note\">One triangle of each symmetric matrix, the diagonal left out (the 1-way TV of each column is on its chart above). \(glossary.mark("association")): Pearson r (two numbers), Cramér's V (two categories), correlation ratio η (one of each); \(n) columns.</p>"
        return html + glossary.definitions()
    }

    /// The values below the diagonal of an n × n row-major matrix.
    static func lowerTriangle(_ values: [Double], _ n: Int) -> [Double] {
        (0..<n).flatMap { i in (0..<i).map { values[i * n + $0] } }
    }

    static func fairness(_ report: EvaluationReport, glossary: inout GlossaryUse) -> String {
        guard let fair = report.fairness else { return "" }
        let e = SVGChart.escape
        let groups = fair.groups.map(\.group)
        var html = "<h2>Fairness: \(e(report.target)) = \(e(report.positiveClass)) by \(e(fair.sensitive))</h2>"
        html += "<div class=\"grid\">" + SVGChart.groupedBars(
            title: "P(\(report.target) = \(report.positiveClass) | \(fair.sensitive))", categories: groups,
            series: [SVGChart.Series(name: "real rows", color: SVGChart.palette[0], values: fair.groups.map(\.realRate)),
                     SVGChart.Series(name: "synthetic rows", color: SVGChart.palette[1], values: fair.groups.map(\.syntheticRate)),
                     SVGChart.Series(name: "TSTR predictions", color: SVGChart.palette[2], values: fair.groups.map(\.tstrPredictedRate))],
            xLabel: fair.sensitive, yLabel: "share of the group's rows", valueLabels: true) + "</div>"
        let rated = fair.ratesClassifier ?? ""
        // A row per figure and a column per group: two or three columns fit a phone, ten would not.
        html += "<div class=\"scroll\"><table><tr><th>figure</th>" + groups.map { "<th>\(e($0))</th>" }.joined() + "</tr>"
        let figures: [(String, (EvaluationReport.Group) -> Double)] = [
            ("share of the real rows", \.realShare), ("share of the synthetic rows", \.syntheticShare),
            ("rate of \(report.positiveClass), real rows", \.realRate), ("rate of \(report.positiveClass), synthetic rows", \.syntheticRate),
            ("TSTR predicted rate", \.tstrPredictedRate),
            ("TSTR TPR", { $0.tstr?.truePositive ?? .nan }), ("TSTR FPR", { $0.tstr?.falsePositive ?? .nan }),
            ("TRTR TPR", { $0.trtr?.truePositive ?? .nan }), ("TRTR FPR", { $0.trtr?.falsePositive ?? .nan }),
        ]
        for (name, value) in figures {
            html += "<tr><td>\(e(name))</td>" + fair.groups.map { "<td class=\"n\">\(f(value($0)))</td>" }.joined() + "</tr>"
        }
        html += "</table></div><p class=\"note\">TSTR predicted rate: the \(e(report.classifiers.first?.name ?? "")) trained on synthetic rows, its \(glossary.mark("selection rate")) on the real test rows. TPR and FPR: the true- and false-positive rates of the \(e(rated)) on the group's test rows, trained on the synthetic rows (TSTR) and on the real ones (TRTR); equalized odds asks them equal across groups.</p>"
        return html + glossary.definitions()
    }

    static func before(_ report: EvaluationReport) -> String {
        guard let before = report.before else { return "" }
        let e = SVGChart.escape
        var html = "<h2>Before and after: \(e(before.synthetic)) → this table</h2><div class=\"scroll\"><table>" + row(["figure", "before", "after", "real rows"], header: true)
        html += row(["mean 1-way / 2-way total variation", "\(f(before.meanOneWayTV)) / \(f(before.meanTwoWayTV))", "\(f(report.meanOneWayTV)) / \(f(report.meanTwoWayTV))", "0 / 0"])
        for (earlier, now) in zip(before.classifiers, report.classifiers) {
            html += row(["\(e(now.name)) TSTR ROC-AUC / F1", "\(f(earlier.tstr.rocAUC)) / \(f(earlier.tstr.f1))", "\(f(now.tstr.rocAUC)) / \(f(now.tstr.f1))",
                         "\(f(now.trtr.rocAUC)) / \(f(now.trtr.f1))"])
            html += row(["\(e(now.name)) TSTR demographic-parity / equalized-odds difference",
                         "\(f(earlier.tstrDemographicParityDifference)) / \(f(earlier.tstrEqualizedOddsDifference))",
                         "\(f(now.tstrDemographicParityDifference)) / \(f(now.tstrEqualizedOddsDifference))",
                         "\(f(now.trtrDemographicParityDifference)) / \(f(now.trtrEqualizedOddsDifference)) (TRTR)"])
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
        return html + "</table></div>"
    }
}
