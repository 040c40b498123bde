/// The page `tablm sweep` writes: trade-off curves (utility against ε, one line per λ; parity gap
/// against λ, one line per ε) and the table of every run, linking to each run's own report.
public enum SweepReport {
    public static func html(_ results: [SweepResult], title: String) -> String {
        let e = SVGChart.escape
        let epsilons = unique(results.map(\.epsilon)), lambdas = unique(results.map(\.lambda))
        func value(_ epsilon: Double, _ lambda: Double, _ metric: String) -> Double? {
            results.first { $0.epsilon == epsilon && $0.lambda == lambda }?.value(metric)
        }
        var html = EvaluationHTML.head(title: title)
        html += "<h1>\(e(title))</h1><p>\(results.filter { $0.status == "ok" }.count) of \(results.count) runs done. ε = ∞: trained without differential privacy.</p><div class=\"grid\">"
        let epsilonLabels = epsilons.map(shown)
        for (metric, name, maximum) in [("tstr_gbt_auc", "TSTR ROC-AUC (boosted trees)", 1.0), ("mean_2way_tv", "mean 2-way total variation", nil),
                                        ("parity_gap_synthetic", "parity gap of the synthetic rows", nil)] as [(String, String, Double?)] {
            html += SVGChart.lines(title: "\(name) vs ε", xLabels: epsilonLabels, xTitle: "ε",
                                   series: lambdas.enumerated().map { index, lambda in
                                       SVGChart.Series(name: "λ = \(SweepResult.label(lambda))", color: SVGChart.palette[index % SVGChart.palette.count],
                                                       values: epsilons.map { value($0, lambda, metric) })
                                   }, yLabel: name, maximum: maximum)
        }
        if lambdas.count > 1 {
            html += SVGChart.lines(title: "parity gap vs λ", xLabels: lambdas.map(SweepResult.label), xTitle: "λ",
                                   series: epsilons.enumerated().map { index, epsilon in
                                       SVGChart.Series(name: "ε = \(epsilonLabels[index])", color: SVGChart.palette[index % SVGChart.palette.count],
                                                       values: lambdas.map { value(epsilon, $0, "parity_gap_synthetic") })
                                   }, yLabel: "parity gap")
        }
        html += "</div><h2>Runs</h2><div class=\"scroll\"><table>"
        let columns = ["epsilon_spent", "tstr_lr_auc", "tstr_gbt_auc", "tstr_gbt_f1", "mean_1way_tv", "mean_2way_tv", "frechet",
                       "correlation_difference", "parity_gap_synthetic", "tstr_gbt_dp_difference", "mia_distance_auc", "mia_likelihood_auc"]
        html += EvaluationHTML.row(["ε", "λ"] + columns + ["status"], header: true)
        for result in results {
            let epsilon = shown(result.epsilon)
            let cell = result.report == nil ? epsilon : "<a href=\"\(e(result.folder))/report.html\">\(epsilon)</a>"
            html += "<tr><td>\(cell)</td><td>\(SweepResult.label(result.lambda))</td>"
            html += columns.map { "<td class=\"n\">\(EvaluationHTML.f(result.value($0)))</td>" }.joined()
            html += "<td>\(e(result.status))</td></tr>"
        }
        if let real = results.compactMap(\.report).first?.fairness?.realParityGap {
            html += "</table></div><p class=\"note\">Parity gap of the real training rows: \(EvaluationHTML.f(real)).</p>"
        } else {
            html += "</table></div>"
        }
        return html + "</body></html>\n"
    }

    /// ε as the page writes it: ∞ rather than the folders' "inf".
    private static func shown(_ epsilon: Double) -> String { epsilon.isInfinite ? "∞" : SweepResult.label(epsilon) }

    private static func unique(_ values: [Double]) -> [Double] {
        var seen: [Double] = []
        for value in values where !seen.contains(value) { seen.append(value) }
        return seen
    }
}
