import Foundation
import TablmCore
import XCTest

final class ReportTests: XCTestCase {
    private func report(syntheticBias: Double = 0, syntheticTarget: String? = nil, sensitive: String = "sex") throws -> EvaluationReport {
        try ReportTestsFixture.report(syntheticBias: syntheticBias, syntheticTarget: syntheticTarget, sensitive: sensitive)
    }

    /// The page is self-contained (nothing fetched: no src/href to other hosts, no scripts), has a
    /// chart per column, both heat maps and the fairness bars, and escapes what it prints.
    func testEvaluationPageIsSelfContained() throws {
        let page = EvaluationHTML.page(try report(), title: "a <b> & c")
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.contains("src="))
        XCTAssertFalse(page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 3 + 2 + 1)
        XCTAssertTrue(page.contains("a &lt;b&gt; &amp; c"))
        XCTAssertTrue(page.contains("P(y = yes | sex)"))
    }

    /// Group rates in the report are the shares of positives per group, counted here directly.
    func testFairnessGroupsAreCountedRight() throws {
        let report = try report()
        let fairness = try XCTUnwrap(report.fairness)
        XCTAssertEqual(fairness.groups.map(\.group), ["F", "M"])
        XCTAssertEqual(fairness.realParityGap, abs(fairness.groups[0].realRate - fairness.groups[1].realRate), accuracy: 1e-12)
        XCTAssertEqual(fairness.groups[0].realShare + fairness.groups[1].realShare, 1, accuracy: 1e-12)
        XCTAssertGreaterThan(fairness.realParityGap, 0.15, "the training rows were drawn with a 0.3 gap")
        XCTAssertEqual(report.classifiers.map(\.name), ["logistic regression", "boosted trees"])
    }

    /// A threshold's groups: shares and rates counted here from the same rows the report drew
    /// (the helper's generator, replayed), group names as `--sensitive` writes them.
    func testThresholdGroupsAreReported() throws {
        let report = try report(sensitive: "age<40")
        let fairness = try XCTUnwrap(report.fairness)
        XCTAssertEqual(fairness.groups.map(\.group), ["age<40", "age>=40"])
        XCTAssertEqual(fairness.groups[0].realShare + fairness.groups[1].realShare, 1, accuracy: 1e-12)
        // Ages are uniform on 20...60: 20 of the 41 ages are below 40.
        XCTAssertEqual(fairness.groups[0].realShare, 20.0 / 41, accuracy: 0.1)
        XCTAssertLessThan(fairness.realParityGap, 0.15, "the target does not depend on age")
    }

    /// `evaluate --before`: the other table's figures are its own report's, shown beside this one's.
    func testBeforeAndAfterSideBySide() throws {
        let biased = try report(syntheticBias: 0.3)
        var fair = try report(syntheticBias: 0)
        fair.before = EvaluationReport.Before(synthetic: "plain.csv", report: biased)
        let lines = EvaluationSummary.lines(fair, test: "test.csv")
        let gap = try XCTUnwrap(lines.first { $0.contains("parity gap of y by sex") && $0.contains("->") })
        XCTAssertTrue(gap.contains(String(format: "%.4f -> %.4f", biased.fairness!.syntheticParityGap, fair.fairness!.syntheticParityGap)), gap)
        let boosted = try XCTUnwrap(lines.first { $0.hasPrefix("  boosted trees TSTR  ROC-AUC") })
        XCTAssertTrue(boosted.contains(String(format: "%.4f -> %.4f", biased.classifiers[1].tstr.rocAUC, fair.classifiers[1].tstr.rocAUC)), boosted)
        XCTAssertTrue(lines.contains { $0.hasPrefix("  F: share") && $0.contains(String(format: "%.3f -> %.3f", biased.fairness!.groups[0].syntheticRate, fair.fairness!.groups[0].syntheticRate)) })
        XCTAssertTrue(EvaluationHTML.page(fair, title: "t").contains("Before and after: plain.csv"))
        XCTAssertTrue(EvaluationSummary.lines(biased, test: "test.csv").allSatisfy { !$0.hasPrefix("before/after") })
    }

    func testSweepCSV() {
        var ok = SweepResult(epsilon: 1, lambda: 0.5, folder: "a")
        ok.status = "ok"
        var failed = SweepResult(epsilon: .infinity, lambda: 0, folder: "b")
        failed.status = "failed: say \"no\""
        let lines = SweepResult.csv([ok, failed]).split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("epsilon,lambda,status,seconds,epsilon_spent,"))
        XCTAssertTrue(lines[1].hasPrefix("1,0.5,\"ok\",0,"))
        XCTAssertTrue(lines[2].hasPrefix("inf,0,\"failed: say \"\"no\"\"\",0,"))
        XCTAssertEqual(lines[2].split(separator: ",", omittingEmptySubsequences: false).count, lines[0].split(separator: ",").count)
        XCTAssertTrue(SweepReport.html([ok, failed], title: "t").contains("<svg"))
    }

    /// Synthetic rows with one target value: every classifier trained on them is a constant predictor,
    /// and the page and the caveats say so before any figure (its fairness differences are 0).
    func testConstantPredictorIsCalledOut() throws {
        let report = try report(syntheticTarget: "no")
        XCTAssertEqual(report.caveats.map(\.kind), [.singleClassTarget, .constantPredictor, .constantPredictor])
        XCTAssertEqual(report.classifiers.map(\.tstrPredictedPositiveShare), [0, 0])
        XCTAssertEqual(report.classifiers.map(\.tstrDemographicParityDifference), [0, 0], "a constant predictor's parity difference is 0")
        XCTAssertTrue(report.caveats[1].message.contains("predicts y = no for every test row"), report.caveats[1].message)
        let page = EvaluationHTML.page(report, title: "t")
        let warning = try XCTUnwrap(page.range(of: "Read this first")), summary = try XCTUnwrap(page.range(of: "<h2>All figures"))
        XCTAssertLessThan(warning.lowerBound, summary.lowerBound)
        XCTAssertEqual(page.components(separatedBy: "<b>means nothing</b>").count - 1, 2)
    }

    /// A target independent of every column in the synthetic rows gives TSTR ROC-AUC near 0.5, which
    /// is flagged; rows with the training rows' dependence on sex are not (though a classifier that
    /// selects no woman is: see ReportPageTests.testAGroupNeverSelectedCarriesACaveat).
    func testChanceAUCIsFlaggedAndLearnedRowsAreNot() throws {
        let chance = try report(syntheticBias: 0)
        for classifier in chance.classifiers where abs(classifier.tstr.rocAUC - 0.5) <= EvaluationCaveat.chanceMargin {
            XCTAssertTrue(chance.caveats.contains { $0.kind == .chanceAUC && $0.classifier == classifier.name })
        }
        XCTAssertFalse(chance.caveats.isEmpty)
        let learned = try report(syntheticBias: 0.3)
        XCTAssertGreaterThan(learned.classifiers[0].tstr.rocAUC, 0.5 + EvaluationCaveat.chanceMargin)
        XCTAssertEqual(learned.caveats.filter { $0.kind != .groupSelection }, [])
        XCTAssertFalse(EvaluationHTML.page(learned, title: "t").contains("at chance"))
    }

    /// Axis ticks are round numbers worked out by hand: 0.343 → 0, 0.1, …, 0.4; 0.0123 → steps of 0.005.
    func testAxisTicksAreRound() {
        let a = SVGChart.Scale(maximum: 0.343)
        XCTAssertEqual(a.top, 0.4, accuracy: 1e-12)
        XCTAssertEqual(a.ticks.map(a.label), ["0.0", "0.1", "0.2", "0.3", "0.4"])
        let b = SVGChart.Scale(maximum: 0.0123)
        XCTAssertEqual(b.ticks.map(b.label), ["0.000", "0.005", "0.010", "0.015"])
        let c = SVGChart.Scale(maximum: 1)
        XCTAssertEqual(c.ticks.map(c.label), ["0.00", "0.25", "0.50", "0.75", "1.00"])
        let d = SVGChart.Scale(maximum: 0.2)
        XCTAssertEqual(d.ticks.map(d.label), ["0.00", "0.05", "0.10", "0.15", "0.20"])
        XCTAssertEqual(SVGChart.Scale(maximum: 730).ticks, [0, 200, 400, 600, 800])
    }

    /// Long category names are drawn whole; a column of 41 values shows its 15 largest and one pooled
    /// bar; a zero rate is a visible line on the axis; each heat map has its colour scale.
    func testChartLabelsBarsAndScales() throws {
        let names = ["Married-civ-spouse", "Outlying-US(Guam-USVI-etc)"] + (0..<39).map { "country-\($0)" }
        let real = names.indices.map { Double(names.count - $0) }, total = real.reduce(0, +)
        let histogram = EvaluationReport.Histogram(column: "c", bins: names, real: real.map { $0 / total }, synthetic: real.map { $0 / total })
        let bars = EvaluationHTML.bars(histogram)
        XCTAssertEqual(bars.labels.count, 16)
        XCTAssertEqual(bars.labels.last, "other (26 values)")
        XCTAssertEqual(bars.real.compactMap { $0 }.reduce(0, +), 1, accuracy: 1e-12)
        let chart = SVGChart.groupedBars(title: "t", categories: bars.labels, series: [SVGChart.Series(name: "real", color: "#000", values: bars.real)],
                                         yLabel: "share")
        XCTAssertTrue(chart.contains(">Married-civ-spouse</text>"))
        XCTAssertTrue(chart.contains(">Outlying-US(Guam-USVI-etc)</text>"))
        let zero = SVGChart.groupedBars(title: "t", categories: ["a", "b"], series: [SVGChart.Series(name: "s", color: "#123456", values: [0, 0.5])],
                                        yLabel: "rate", valueLabels: true)
        XCTAssertTrue(zero.contains("height=\"2\" fill=\"#123456\""), "a zero bar is drawn as a line")
        XCTAssertTrue(zero.contains(">0.000</text>") && zero.contains(">0.500</text>"))
        // The legend's longest name ends inside the chart (at 11 px, at most 6.2 px a character).
        let legend = SVGChart.groupedBars(title: "t", categories: ["a"], series: [SVGChart.Series(name: "TSTR predictions", color: "#000", values: [0.2])],
                                          yLabel: "rate", width: 520)
        let text = try XCTUnwrap(legend.range(of: #"<text x="([0-9.]+)"[^>]*>TSTR predictions</text>"#, options: .regularExpression))
        let x = try XCTUnwrap(Double(legend[text].dropFirst(9).prefix { $0 != "\"" }))
        XCTAssertLessThanOrEqual(x + 6.2 * 16, 520)
        let page = EvaluationHTML.page(try report(), title: "t")
        XCTAssertEqual(page.components(separatedBy: "class=\"scale\"").count - 1, 2 * 10)
    }
}

/// The evaluation the report tests draw: a schema of age, sex and y, training and test rows where
/// men are `yes` 0.3 more often than women, and synthetic rows with `syntheticBias` instead (or
/// every target `syntheticTarget`).
enum ReportTestsFixture {
    static func report(syntheticBias: Double = 0, syntheticTarget: String? = nil, sensitive: String = "sex") throws -> EvaluationReport {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["F", "M"]), .categorical("y", ["no", "yes"])],
                            source: .public)
        var generator = SplitMix64(seed: 4)
        func rows(_ count: Int, bias: Double) -> [Row] {
            (0..<count).map { _ in
                let female = Double.random(in: 0..<1, using: &generator) < 0.5
                let yes = Double.random(in: 0..<1, using: &generator) < (female ? 0.3 : 0.3 + bias)
                return [.number(Int64.random(in: 20...60, using: &generator)), .category(female ? "F" : "M"), .category(yes ? "yes" : "no")]
            }
        }
        var synthetic = rows(300, bias: syntheticBias)
        if let syntheticTarget { synthetic = synthetic.map { [$0[0], $0[1], .category(syntheticTarget)] } }
        return try Evaluation.run(schema: schema, train: rows(300, bias: 0.3), test: rows(200, bias: 0.3), synthetic: synthetic,
                                  syntheticTotal: 300, target: "y", sensitive: sensitive, privacy: nil, comparedRows: 100)
    }
}
