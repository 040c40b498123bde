import Foundation

/// The top of the evaluation page, before any detail: the verdict box and the run's context.
extension EvaluationHTML {
    /// The three answers, each with its light (and the light's word, for readers who do not see
    /// colour), its figures beside their references, a plain reading and the light's thresholds.
    static func verdict(_ verdict: ReportVerdict, glossary: inout GlossaryUse) -> String {
        let e = SVGChart.escape
        var html = "<section class=\"verdict\" aria-label=\"verdict\">"
        for line in verdict.lines {
            html += "<div class=\"line\"><div class=\"light \(line.light.rawValue)\" title=\"\(line.light.rawValue)\"></div><div>"
            html += "<b>\(e(line.question))</b> <b class=\"answer\">\(e(line.answer))</b>"
            for figure in line.figures {
                html += "<div class=\"figure\">\(glossary.mark(figure.name)): <b>\(glossary.mark(figure.value))</b>"
                if !figure.referenceName.isEmpty { html += " · \(glossary.mark(figure.referenceName)): \(e(figure.reference))" }
                html += "</div>"
            }
            html += "<div>\(glossary.mark(line.reading))</div>"
            if line.light != .none || line.question == "Useful?" { html += "<div class=\"threshold\">\(e(line.thresholds))</div>" }
            html += "</div></div>"
        }
        return html + "</section>" + glossary.definitions()
    }

    /// What the figures come from: the files and their rows, the target and groups, the model's
    /// training record, the release, date and machine.
    static func runContext(_ report: EvaluationReport, context: ReportContext?, glossary: inout GlossaryUse) -> String {
        let e = SVGChart.escape
        var html = "<h2>This run</h2>"
        if let context {
            html += "<div class=\"scroll\"><table>" + row(["table", "file", "rows read", "rows kept"], header: true)
            for table in context.tables {
                html += "<tr><td>\(e(table.role))</td><td class=\"path\">\(e(table.path))</td><td class=\"n\">\(count(table.rowsRead))</td><td class=\"n\">\(count(table.rowsKept))</td></tr>"
            }
            html += "</table></div><p class=\"note\">Kept: the rows that fit the schema, which the figures are computed on.</p><ul>"
            html += "<li>schema: <span class=\"path\">\(e(context.schema))</span>; checkpoint: \(context.checkpoint.map { "<span class=\"path\">\(e($0))</span>" } ?? "none given")</li>"
        } else {
            html += "<ul><li>synthetic rows: \(count(report.syntheticRows)) read, \(count(report.validRows)) fit the schema</li>"
        }
        html += "<li>target: \(e(report.target)), positive class \(e(report.positiveClass)) (its less frequent value in the training rows)"
        html += report.fairness.map { "; groups by \(e(context?.sensitive ?? $0.sensitive))" } ?? "; no sensitive column"
        html += "</li>"
        if let p = report.privacy {
            html += "<li>the model was trained with \(glossary.mark("(ε = \(f(p.epsilon, 4)), δ = \(String(format: "%.1e", p.delta)))-differential privacy")) (\(e(p.compositionName)), \(glossary.mark("noise multiplier")) \(f(p.noiseMultiplier, 4))\(p.balance.map { ", group-balanced sampling on \(e($0.column)), every step charged at the largest rate \(f($0.maxRate, 5)) and the group counts' release included" } ?? ""))</li>"
        } else {
            html += "<li>no differential-privacy record: the model was trained without DP, or no checkpoint was given</li>"
        }
        if let context {
            html += "<li>tablm \(e(context.version)), \(e(context.date)), on \(e(context.machine.description))</li>"
        }
        html += "</ul><p class=\"note\">This report reads the real rows: it is for the data owner, not for release with the synthetic table.</p>"
        return html + glossary.definitions()
    }
}
