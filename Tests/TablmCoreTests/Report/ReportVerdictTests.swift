import Foundation
import TablmCore
import XCTest

/// The verdict's colours at and around each threshold, on reports whose figures are set by hand.
final class ReportVerdictTests: XCTestCase {
    /// A small real evaluation (three columns, the target depending on sex), its caveats cleared so
    /// that only the figures set by each test decide.
    static func baseReport() throws -> EvaluationReport {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["F", "M"]), .categorical("y", ["no", "yes"])],
                            source: .public)
        var generator = SplitMix64(seed: 4)
        func rows(_ count: Int) -> [Row] {
            (0..<count).map { _ in
                let female = Double.random(in: 0..<1, using: &generator) < 0.5
                let yes = Double.random(in: 0..<1, using: &generator) < (female ? 0.2 : 0.6)
                return [.number(Int64.random(in: 20...60, using: &generator)), .category(female ? "F" : "M"), .category(yes ? "yes" : "no")]
            }
        }
        var report = try Evaluation.run(schema: schema, train: rows(200), test: rows(100), synthetic: rows(200), syntheticTotal: 200,
                                        target: "y", sensitive: "sex", privacy: nil, comparedRows: 50)
        report.caveats = []
        return report
    }

    private func useful(trtr: Double, tstr: Double) throws -> ReportVerdict.Light {
        var report = try Self.baseReport()
        report.classifiers[1].trtr.rocAUC = trtr
        report.classifiers[1].tstr.rocAUC = tstr
        return ReportVerdict(report).useful.light
    }

    /// Green within 0.02 of TRTR (at 0.02 included), amber within 0.05, red beyond; better than
    /// TRTR is green; a caveat that voids the classifier is red whatever the figure.
    func testUsefulThresholds() throws {
        XCTAssertEqual(try useful(trtr: 0.88, tstr: 0.90), .green)
        XCTAssertEqual(try useful(trtr: 0.88, tstr: 0.86), .green, "0.88 − 0.86 is 0.02 up to rounding: on the threshold")
        XCTAssertEqual(try useful(trtr: 0.88, tstr: 0.859), .amber)
        XCTAssertEqual(try useful(trtr: 0.88, tstr: 0.83), .amber)
        XCTAssertEqual(try useful(trtr: 0.88, tstr: 0.829), .red)
        XCTAssertEqual(try useful(trtr: 0.88, tstr: 0.73), .red, "the quick start's 0.73 against 0.88")
        var report = try Self.baseReport()
        report.classifiers[1].trtr.rocAUC = 0.88
        report.classifiers[1].tstr.rocAUC = 0.88
        report.caveats = [EvaluationCaveat(kind: .constantPredictor, classifier: "boosted trees", message: "constant")]
        XCTAssertEqual(ReportVerdict(report).useful.light, .red)
        let line = ReportVerdict(report).useful
        XCTAssertEqual(line.figures.first?.value, "0.880")
        XCTAssertEqual(line.figures.first?.reference, "0.880")
    }

    private func privacy(epsilon: Double?, attack: Double, likelihood: Double? = nil) throws -> ReportVerdict.Line {
        var report = try Self.baseReport()
        report.privacy = epsilon.map { PrivacyRecord(epsilon: $0, delta: 1e-5, noiseMultiplier: 1, sampleRate: 0.01, clipNorm: 1, accountant: "rdp") }
        report.membership.members = 1000
        report.membership.nonMembers = 1000
        report.membership.distanceAUC = attack
        report.membership.likelihoodAUC = likelihood
        return ReportVerdict(report).privacy
    }

    /// An attack beats chance above 0.5 + 2σ, σ = √(2001 / (12 · 1000 · 1000)) = 0.012913 for 1,000
    /// members and 1,000 non-members: 0.525826. Green needs ε ≤ 1 and no attack above it; red is an
    /// attack above it with no guarantee or ε > 10.
    func testPrivacyThresholds() throws {
        let line = 0.5 + 2 * (2001.0 / 12e6).squareRoot()
        XCTAssertEqual(ReportVerdict.chanceDeviation(members: 1000, nonMembers: 1000), 0.012913, accuracy: 1e-6)
        XCTAssertEqual(try privacy(epsilon: 1, attack: line - 1e-6).light, .green)
        XCTAssertEqual(try privacy(epsilon: 1, attack: line + 1e-4).light, .amber)
        XCTAssertEqual(try privacy(epsilon: 1, attack: 0.5, likelihood: line + 1e-4).light, .amber, "the stronger attack counts")
        XCTAssertEqual(try privacy(epsilon: 1.01, attack: 0.5).light, .amber)
        XCTAssertEqual(try privacy(epsilon: 10, attack: 0.6).light, .amber)
        XCTAssertEqual(try privacy(epsilon: 10.01, attack: 0.6).light, .red)
        XCTAssertEqual(try privacy(epsilon: 10.01, attack: 0.5).light, .amber)
        XCTAssertEqual(try privacy(epsilon: nil, attack: 0.5).light, .amber)
        XCTAssertEqual(try privacy(epsilon: nil, attack: line + 1e-4).light, .red)
        let none = try privacy(epsilon: nil, attack: 0.5)
        XCTAssertEqual(none.figures.first?.value, "no differential-privacy guarantee")
        XCTAssertTrue(none.reading.hasPrefix("No differential-privacy guarantee"), none.reading)
        // ε = 1, δ = 1e-5: no attacker is right about one row more than (e + 1e-5) / (1 + e) = 73.1% of the time.
        XCTAssertEqual(ReportVerdict.attackAccuracyBound(epsilon: 1, delta: 1e-5), (M_E + 1e-5) / (1 + M_E), accuracy: 1e-12)
        XCTAssertTrue(try privacy(epsilon: 1, attack: 0.5).reading.contains("73.1%"))
        // δ at or above 1/rows (the record's released count) allows publishing a row: never green,
        // red with an attack above chance (the Python verdict said "private? yes" at δ = 0.5).
        var report = try Self.baseReport()
        var loose = PrivacyRecord(epsilon: 1, delta: 0.5, noiseMultiplier: 1, sampleRate: 0.01, clipNorm: 1, accountant: "rdp")
        loose.rateRows = 100
        report.privacy = loose
        report.membership.members = 1000
        report.membership.nonMembers = 1000
        report.membership.distanceAUC = 0.5
        XCTAssertEqual(ReportVerdict(report).privacy.light, .amber)
        XCTAssertTrue(ReportVerdict(report).privacy.reading.contains("δ = 0.5 is not below 1/rows (about 100 rows)"), ReportVerdict(report).privacy.reading)
        report.membership.distanceAUC = line + 1e-4
        XCTAssertEqual(ReportVerdict(report).privacy.light, .red)
        loose.delta = 1e-5
        report.privacy = loose
        report.membership.distanceAUC = 0.5
        XCTAssertEqual(ReportVerdict(report).privacy.light, .green)
        // Noise from a seed (--insecure-seed) is no guarantee: red and "no" at any ε.
        loose.insecureSeed = true
        report.privacy = loose
        let seeded = ReportVerdict(report).privacy
        XCTAssertEqual(seeded.light, .red)
        XCTAssertEqual(seeded.answer, "no")
        XCTAssertEqual(seeded.figures.first?.value, "none: the noise was seeded (--insecure-seed)")
    }

    private func fair(real: Double, synthetic: Double, tstr: Double = 0.1, trtr: Double = 0.1, eoTSTR: Double = 0.1, eoTRTR: Double = 0.1) throws -> ReportVerdict.Line {
        var report = try Self.baseReport()
        report.fairness!.realParityGap = real
        report.fairness!.syntheticParityGap = synthetic
        report.classifiers[1].tstrDemographicParityDifference = tstr
        report.classifiers[1].trtrDemographicParityDifference = trtr
        report.classifiers[1].tstrEqualizedOddsDifference = eoTSTR
        report.classifiers[1].trtrEqualizedOddsDifference = eoTRTR
        return ReportVerdict(report).fair
    }

    /// The widest widening decides: green at most 0.02 wider than the real rows (or TRTR), amber at
    /// most 0.05, red beyond; a narrower gap is green; a group the classifier never selects is at
    /// least amber; no sensitive column is "not measured".
    func testFairThresholds() throws {
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.05).light, .green)
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.21).light, .green)
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.211).light, .amber)
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.24).light, .amber)
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.241).light, .red)
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.19, tstr: 0.151, trtr: 0.1).light, .red, "the TSTR classifier widens the gap")
        XCTAssertEqual(try fair(real: 0.19, synthetic: 0.19, eoTSTR: 0.13, eoTRTR: 0.1).light, .amber)
        XCTAssertTrue(try fair(real: 0.19, synthetic: 0.19, eoTSTR: 0.13, eoTRTR: 0.1).reading.contains("equalized-odds difference is 0.030 wider"))
        var report = try Self.baseReport()
        report.fairness!.syntheticParityGap = report.fairness!.realParityGap
        for i in report.classifiers.indices {
            report.classifiers[i].tstrDemographicParityDifference = report.classifiers[i].trtrDemographicParityDifference
            report.classifiers[i].tstrEqualizedOddsDifference = report.classifiers[i].trtrEqualizedOddsDifference
        }
        XCTAssertEqual(ReportVerdict(report).fair.light, .green)
        report.caveats = [EvaluationCaveat(kind: .groupSelection, classifier: "boosted trees", message: "never selects F")]
        XCTAssertEqual(ReportVerdict(report).fair.light, .amber)
        XCTAssertTrue(ReportVerdict(report).fair.reading.contains("never selects F"))
        // Amber for the caveat alone names no gap as wider (it said "-0.067 wider").
        XCTAssertFalse(ReportVerdict(report).fair.reading.contains("wider than"), ReportVerdict(report).fair.reading)
        // Every synthetic row of one target value: a gap of 0 by the class's absence was a green yes.
        report.caveats = [EvaluationCaveat(kind: .singleClassTarget, classifier: nil, message: "every synthetic row has y = no")]
        XCTAssertEqual(ReportVerdict(report).fair.light, .red)
        XCTAssertTrue(ReportVerdict(report).fair.reading.hasPrefix("No: every synthetic row has y = no"), ReportVerdict(report).fair.reading)
        // Training rows of one class: TRTR is a constant, every comparison with it void.
        report.caveats = [EvaluationCaveat(kind: .singleClassTraining, classifier: nil, message: "every training row has y = no")]
        XCTAssertEqual(ReportVerdict(report).fair.answer, "not measured")
        XCTAssertEqual(ReportVerdict(report).useful.light, .red)
        // Real rows of one group only: no gap to measure (it was 0 and green).
        report.caveats = []
        var oneGroup = report
        oneGroup.fairness!.groups[0].realShare = 0
        XCTAssertEqual(ReportVerdict(oneGroup).fair.light, .none)
        XCTAssertTrue(ReportVerdict(oneGroup).fair.reading.contains("one sex group only (M)"), ReportVerdict(oneGroup).fair.reading)
        // A group the synthetic rows lack is no fair answer, whatever the gap over the others says.
        report.caveats = []
        report.fairness!.groups[0].syntheticShare = 0
        report.fairness!.syntheticParityGap = 0
        XCTAssertEqual(ReportVerdict(report).fair.light, .red)
        XCTAssertTrue(ReportVerdict(report).fair.reading.contains("hold no row of the sex group F"), ReportVerdict(report).fair.reading)
        report.fairness = nil
        XCTAssertEqual(ReportVerdict(report).fair.light, .none)
        XCTAssertEqual(ReportVerdict(report).fair.answer, "not measured")
    }

    /// Training rows of one target value: the evaluation says so before any figure (TRTR was a constant
    /// predictor scored as the reference, with no caveat, and the positive class a value the rows lack).
    func testTrainingRowsOfOneClassAreCalledOut() throws {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["F", "M"]), .categorical("y", ["no", "yes"])],
                            source: .public)
        var generator = SplitMix64(seed: 9)
        func rows(_ count: Int, yes: Double) -> [Row] {
            (0..<count).map { _ in
                [.number(Int64.random(in: 20...60, using: &generator)), .category(Bool.random(using: &generator) ? "F" : "M"),
                 .category(Double.random(in: 0..<1, using: &generator) < yes ? "yes" : "no")]
            }
        }
        let report = try Evaluation.run(schema: schema, train: rows(200, yes: 0), test: rows(100, yes: 0.4), synthetic: rows(200, yes: 0.4),
                                        syntheticTotal: 200, target: "y", sensitive: "sex", privacy: nil, comparedRows: 50)
        XCTAssertEqual(report.caveats.first?.kind, .singleClassTraining)
        XCTAssertEqual(report.caveats.first?.message.hasPrefix("every training row has y = no"), true)
        XCTAssertEqual(ReportVerdict(report).fair.answer, "not measured")
    }

    /// The page draws each line's light as its class and word, in the order useful, private, fair,
    /// before anything else.
    func testThePageOpensWithTheVerdict() throws {
        var report = try Self.baseReport()
        report.classifiers[1].trtr.rocAUC = 0.88
        report.classifiers[1].tstr.rocAUC = 0.73
        let page = EvaluationHTML.page(report, title: "t")
        let verdict = try XCTUnwrap(page.range(of: "<section class=\"verdict\""))
        let firstHeading = try XCTUnwrap(page.range(of: "<h2>"))
        XCTAssertLessThan(verdict.lowerBound, firstHeading.lowerBound)
        let useful = try XCTUnwrap(page.range(of: "<b>Useful?</b>")), privacy = try XCTUnwrap(page.range(of: "<b>Private?</b>")),
            fair = try XCTUnwrap(page.range(of: "<b>Fair?</b>"))
        XCTAssertLessThan(useful.lowerBound, privacy.lowerBound)
        XCTAssertLessThan(privacy.lowerBound, fair.lowerBound)
        XCTAssertTrue(page.contains("<div class=\"light red\" title=\"red\"></div><div><b>Useful?</b> <b class=\"answer\">no</b>"))
        XCTAssertTrue(page.contains("0.150 lower ROC-AUC"))
        // Thresholds are stated in the page.
        XCTAssertTrue(page.contains("green: TSTR ROC-AUC at most 0.020 below TRTR; amber: at most 0.050 below"))
    }

    /// `tablm evaluate`'s text answers first too: the three questions with their figures and
    /// readings, in the page's order, before the caveats and the figures.
    func testTheTextSummaryOpensWithTheVerdict() throws {
        var report = try Self.baseReport()
        report.classifiers[1].trtr.rocAUC = 0.88
        report.classifiers[1].tstr.rocAUC = 0.84
        report.membership.distanceAUC = 0.5
        report.membership.likelihoodAUC = nil
        report.caveats = [EvaluationCaveat(kind: .groupSelection, classifier: nil, message: "a caveat")]
        let lines = EvaluationSummary.lines(report, test: "test.csv")
        XCTAssertEqual(lines[0], "verdict       Useful? partly (TSTR ROC-AUC (boosted trees) 0.840, TRTR 0.880)")
        XCTAssertTrue(lines[1].hasPrefix("                Partly: ") && lines[1].contains("0.040 lower ROC-AUC"), lines[1])
        XCTAssertTrue(lines[2].hasPrefix("              Private? unproven (guarantee: no differential-privacy guarantee; "), lines[2])
        XCTAssertTrue(lines[4].hasPrefix("              Fair? "), lines[4])
        XCTAssertEqual(lines[6], "WARNING       a caveat")
        XCTAssertTrue(lines[7].hasPrefix("validity      200 of 200 synthetic rows fit the schema"), lines[7])
    }

    /// An undefined figure (a rate over a group with no synthetic rows, a ROC-AUC of one class, a
    /// difference not measured) reads "n/a" in the text as in the page and the JSON's null, not
    /// printf's "nan"; a defined one keeps its digits.
    func testTheTextSummarySaysNotAvailableForUndefinedFigures() throws {
        var report = try Self.baseReport()
        report.classifiers[1].tstr.rocAUC = .nan
        report.classifiers[1].tstrEqualizedOddsDifference = nil
        report.fairness?.groups[0].syntheticRate = .nan
        let lines = EvaluationSummary.lines(report, test: "test.csv")
        XCTAssertFalse(lines.contains { $0.lowercased().contains("nan") }, lines.joined(separator: "\n"))
        let tstr = try XCTUnwrap(lines.first { $0.hasPrefix("  \(report.classifiers[1].name.padding(toLength: 20, withPad: " ", startingAt: 0)) TSTR") })
        XCTAssertTrue(tstr.contains("ROC-AUC n/a"), tstr)
        XCTAssertTrue(tstr.contains(String(format: "accuracy %.4f", report.classifiers[1].tstr.accuracy)), tstr)
        XCTAssertTrue(lines.contains { $0.contains("equalized-odds difference n/a") })
        XCTAssertTrue(lines.contains { $0.hasPrefix("  F: ") && $0.contains("synthetic n/a") })
    }
}
