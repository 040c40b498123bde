import Foundation

/// The three answers a data owner wants before the figures: are the synthetic rows useful, private,
/// fair? Each has its figure, the reference it is read against, a reading in plain words, and a
/// colour only where the threshold means something: within a few times the figure's own noise
/// (ROC-AUC and group rates move by about ±0.01 between runs on Adult's sizes), a statistical test
/// (a membership attack against chance), or a bound the privacy guarantee itself gives.
public struct ReportVerdict: Sendable, Equatable {
    public enum Light: String, Sendable {
        case green, amber, red
        /// Not measured, or no honest threshold.
        case none
    }

    /// A figure beside its reference: "TSTR ROC-AUC" 0.731 against "TRTR" 0.880.
    public struct Figure: Sendable, Equatable {
        public var name: String
        public var value: String
        public var referenceName: String
        public var reference: String
    }

    public struct Line: Sendable, Equatable {
        public var question: String
        public var light: Light
        /// One or two words: "yes", "partly", "no", "not measured".
        public var answer: String
        public var figures: [Figure]
        public var reading: String
        /// The colours' thresholds, as the page states them.
        public var thresholds: String
    }

    public var useful: Line
    public var privacy: Line
    public var fair: Line
    public var lines: [Line] { [useful, privacy, fair] }

    /// Useful: TSTR ROC-AUC at most this far below TRTR is green, at most `usefulAmber` amber.
    /// Twice and five times the ±0.01 a run's ROC-AUC moves by.
    public static let usefulGreen = 0.02
    public static let usefulAmber = 0.05
    /// Fair: a gap widened by at most this much against the real rows (or their classifier) is
    /// green, at most `fairAmber` amber. A rate difference over Adult's groups (5,000 and 11,000
    /// test rows) has a standard error near 0.008.
    public static let fairGreen = 0.02
    public static let fairAmber = 0.05
    /// Private: a guarantee at ε ≤ 1 can be green (it bounds any attacker's accuracy on one row at
    /// 73%); beyond ε = 10 the bound is above 99.99% and protects nothing in practice.
    public static let strongEpsilon = 1.0
    public static let vacuousEpsilon = 10.0
    /// Slack for figures that land on a threshold after subtraction (0.88 − 0.86 = 0.0200000001).
    static let tolerance = 1e-9

    public init(_ report: EvaluationReport) {
        useful = Self.useful(report)
        privacy = Self.privacy(report)
        fair = Self.fair(report)
    }

    static func f(_ value: Double) -> String { EvaluationHTML.f(value) }

    /// The classifier the verdict reads: the stronger one (boosted trees, the last).
    static func classifier(_ report: EvaluationReport) -> EvaluationReport.Classifier? { report.classifiers.last }

    static func useful(_ report: EvaluationReport) -> Line {
        let thresholds = "green: TSTR ROC-AUC at most \(f(usefulGreen)) below TRTR; amber: at most \(f(usefulAmber)) below; red: further below, or a caveat voids it"
        guard let c = classifier(report), c.tstr.rocAUC.isFinite, c.trtr.rocAUC.isFinite else {
            return Line(question: "Useful?", light: .none, answer: "not measured", figures: [], reading: "No classifier could be scored on the test rows.", thresholds: thresholds)
        }
        let figures = [Figure(name: "TSTR ROC-AUC (\(c.name))", value: f(c.tstr.rocAUC), referenceName: "TRTR", reference: f(c.trtr.rocAUC))]
        let target = "\(report.target) = \(report.positiveClass)"
        if let voiding = report.caveats.first(where: { $0.kind == .singleClassTraining || $0.kind == .singleClassTarget || ($0.classifier == c.name && ($0.kind == .constantPredictor || $0.kind == .chanceAUC)) }) {
            return Line(question: "Useful?", light: .red, answer: "no", figures: figures,
                        reading: "No: \(voiding.message).", thresholds: thresholds)
        }
        let loss = c.trtr.rocAUC - c.tstr.rocAUC
        let light: Light = loss <= usefulGreen + tolerance ? .green : (loss <= usefulAmber + tolerance ? .amber : .red)
        let reading: String
        switch light {
        case .green:
            reading = loss <= 0
                ? "Yes: a classifier trained on the synthetic rows predicts \(target) as well as one trained on the real rows."
                : "Yes: a classifier trained on the synthetic rows predicts \(target) nearly as well as one trained on the real rows (\(f(loss)) lower ROC-AUC)."
        case .amber:
            reading = "Partly: a classifier trained on the synthetic rows predicts \(target) less well than one trained on the real rows (\(f(loss)) lower ROC-AUC)."
        default:
            reading = "No: a classifier trained on the synthetic rows predicts \(target) clearly worse than one trained on the real rows (\(f(loss)) lower ROC-AUC)."
        }
        return Line(question: "Useful?", light: light, answer: answer(light), figures: figures, reading: reading, thresholds: thresholds)
    }

    /// The standard deviation of a ROC-AUC under chance, members against non-members (Mann–Whitney
    /// U's null variance, (m + n + 1) / 12mn).
    public static func chanceDeviation(members m: Int, nonMembers n: Int) -> Double {
        guard m > 0, n > 0 else { return .nan }
        return (Double(m + n + 1) / (12 * Double(m) * Double(n))).squareRoot()
    }

    /// The most accurate any membership attacker can be on one row, members and non-members equally
    /// likely, under (ε, δ)-DP: (e^ε + δ) / (1 + e^ε) (Kairouz, Oh & Viswanath 2015).
    public static func attackAccuracyBound(epsilon: Double, delta: Double) -> Double {
        guard epsilon.isFinite else { return 1 }
        return min(1, (exp(epsilon) + delta) / (1 + exp(epsilon)))
    }

    static func privacy(_ report: EvaluationReport) -> Line {
        let m = report.membership
        let line = 0.5 + 2 * chanceDeviation(members: m.members, nonMembers: m.nonMembers)
        let attacks = [("distance", m.distanceAUC), ("model likelihood", m.likelihoodAUC)].compactMap { name, value in value.map { (name, $0) } }
        let best = attacks.filter { $0.1.isFinite }.max { $0.1 < $1.1 }
        let beats = best.map { $0.1 > line } ?? false
        let thresholds = "green: (ε, δ)-differential privacy with ε ≤ \(SweepResult.label(strongEpsilon)) and no membership attack above chance; red: an attack above chance (ROC-AUC above 0.5 + 2 standard deviations of chance, \(f(line))) with no guarantee or ε > \(SweepResult.label(vacuousEpsilon)); amber: the rest"
        var figures = attacks.map { Figure(name: "membership inference ROC-AUC (\($0.0))", value: f($0.1), referenceName: "guessing", reference: "0.500") }
        let attackWords = best == nil ? "No membership attack was scored."
            : beats ? "An attack tells training rows from others better than guessing (\(best!.0) ROC-AUC \(f(best!.1)) above \(f(line)))."
            : "The membership attacks tried do no better than guessing (ROC-AUC at most \(f(line)), chance's own spread)."
        guard let p = report.privacy else {
            figures.insert(Figure(name: "guarantee", value: "no differential-privacy guarantee", referenceName: "", reference: ""), at: 0)
            let light: Light = beats ? .red : .amber
            return Line(question: "Private?", light: light, answer: beats ? "no" : "unproven", figures: figures,
                        reading: "No differential-privacy guarantee: nothing bounds what the synthetic rows reveal about a training row (no privacy record: the model was trained without differential privacy, or no checkpoint was given). " + attackWords
                            + (beats ? "" : " Attacks that fail prove nothing: a stronger one may succeed."),
                        thresholds: thresholds)
        }
        let bound = attackAccuracyBound(epsilon: p.epsilon, delta: p.delta)
        if p.insecureSeed == true {
            figures.insert(Figure(name: "guarantee", value: "none: the noise was seeded (--insecure-seed)", referenceName: "", reference: ""), at: 0)
            return Line(question: "Private?", light: .red, answer: "no", figures: figures,
                        reading: "No guarantee: the run's noise came from a seed (--insecure-seed, for tests), so anyone with the seed can subtract it; the record's ε = \(f(p.epsilon)) does not hold. " + attackWords,
                        thresholds: thresholds)
        }
        figures.insert(Figure(name: "guarantee", value: "(ε = \(f(p.epsilon)), δ = \(String(format: "%.0e", p.delta)))-differential privacy",
                              referenceName: "", reference: ""), at: 0)
        // δ at or above 1/rows lets a mechanism publish a row outright, whatever ε says (the rows:
        // the count the record's rate or prior released, with noise).
        let rows = p.rateRows.map { max($0, 1) } ?? p.prior?.noisyRows.map(Double.init)
        let looseDelta = rows.map { p.delta >= 1 / $0 } ?? false
        let light: Light
        if p.epsilon > vacuousEpsilon + tolerance || looseDelta {
            light = beats ? .red : .amber
        } else {
            light = p.epsilon <= strongEpsilon + tolerance && !beats ? .green : .amber
        }
        let guarantee = looseDelta
            ? "The guarantee is nominal: δ = \(String(format: "%.2g", p.delta)) is not below 1/rows (about \(Int(rows!.rounded())) rows), which allows publishing a row outright."
            : p.epsilon > vacuousEpsilon + tolerance
            ? "The guarantee is nominal: at ε = \(f(p.epsilon)) it allows an attacker to be right about one row \(String(format: "%.2f", 100 * bound))% of the time (guessing: 50%)."
            : "Whatever an attacker knows, it cannot tell whether one person's row was in the training data more than \(String(format: "%.1f", 100 * bound))% of the time (guessing: 50%)."
        return Line(question: "Private?", light: light, answer: light == .green ? "yes" : (light == .red ? "no" : "partly"), figures: figures,
                    reading: guarantee + " " + attackWords, thresholds: thresholds)
    }

    static func fair(_ report: EvaluationReport) -> Line {
        let thresholds = "green: no gap wider than the real rows' (or their classifier's) by more than \(f(fairGreen)); amber: by at most \(f(fairAmber)); red: wider still"
        guard let fairness = report.fairness else {
            return Line(question: "Fair?", light: .none, answer: "not measured", figures: [],
                        reading: "Not measured: no sensitive column was named (--sensitive, or \"sensitive\" in the schema).", thresholds: thresholds)
        }
        let by = fairness.sensitive
        var figures = [Figure(name: "parity gap by \(by), synthetic rows", value: f(fairness.syntheticParityGap),
                              referenceName: "real rows", reference: f(fairness.realParityGap))]
        // What widened, by how much, and against what.
        var widenings = [("the synthetic rows' parity gap", fairness.syntheticParityGap - fairness.realParityGap, "the real rows'")]
        if let c = classifier(report), !report.isConstant(c) {
            if let tstr = c.tstrDemographicParityDifference, let trtr = c.trtrDemographicParityDifference {
                figures.append(Figure(name: "TSTR demographic-parity difference", value: f(tstr), referenceName: "TRTR", reference: f(trtr)))
                widenings.append(("the TSTR \(c.name) demographic-parity difference", tstr - trtr, "TRTR's"))
            }
            if let tstr = c.tstrEqualizedOddsDifference, let trtr = c.trtrEqualizedOddsDifference {
                figures.append(Figure(name: "TSTR equalized-odds difference", value: f(tstr), referenceName: "TRTR", reference: f(trtr)))
                widenings.append(("the TSTR \(c.name) equalized-odds difference", tstr - trtr, "TRTR's"))
            }
        }
        // Training rows of one class: no gap of rates, and a TRTR reference that predicts one class.
        if let single = report.caveats.first(where: { $0.kind == .singleClassTraining }) {
            return Line(question: "Fair?", light: .none, answer: "not measured", figures: figures,
                        reading: "Not measured: \(single.message).", thresholds: thresholds)
        }
        // A gap needs two groups: the real rows of one group only (all men; `age<17` where ages start
        // at 17) gave a gap of 0 and a green yes.
        let realGroups = fairness.groups.filter { $0.realShare > 0 }
        if realGroups.count < 2 {
            return Line(question: "Fair?", light: .none, answer: "not measured", figures: figures,
                        reading: "Not measured: the real rows hold \(realGroups.count == 1 ? "one \(by) group only (\(realGroups[0].group))" : "no \(by) group"), and a gap needs two.",
                        thresholds: thresholds)
        }
        // One target value in every synthetic row: their parity gap is 0 by the positive class's absence.
        if let single = report.caveats.first(where: { $0.kind == .singleClassTarget }) {
            return Line(question: "Fair?", light: .red, answer: answer(.red), figures: figures,
                        reading: "No: \(single.message); a gap of 0 without the other class is not fairness.", thresholds: thresholds)
        }
        // A group the real rows hold and the synthetic rows lack has no rate to compare: the gap
        // over the groups left says nothing about it (one group left gives a gap of 0).
        if let missing = fairness.groups.first(where: { $0.realShare > 0 && $0.syntheticShare == 0 }) {
            return Line(question: "Fair?", light: .red, answer: answer(.red), figures: figures,
                        reading: "No: the synthetic rows hold no row of the \(by) group \(missing.group) (\(f(missing.realShare)) of the real rows), so no gap is measured for it.",
                        thresholds: thresholds)
        }
        let measured = widenings.filter { $0.1.isFinite }
        guard let worst = measured.max(by: { $0.1 < $1.1 }) else {
            return Line(question: "Fair?", light: .none, answer: "not measured", figures: figures, reading: "The groups' rates could not be measured.", thresholds: thresholds)
        }
        var light: Light = worst.1 <= fairGreen + tolerance ? .green : (worst.1 <= fairAmber + tolerance ? .amber : .red)
        let groupCaveats = report.caveats.filter { $0.kind == .groupSelection }
        if !groupCaveats.isEmpty && light == .green { light = .amber }
        var reading: String
        switch light {
        case .green:
            reading = "Yes, as fair as the real rows: neither the synthetic rows nor a classifier trained on them widens a gap between \(by) groups by more than \(f(fairGreen))."
        case .amber where worst.1 <= fairGreen + tolerance:
            // Amber for the caveat alone (below): no gap widened past green, so none is named as wider.
            reading = "Partly: no gap widens by more than \(f(fairGreen)), but a caveat applies."
        case .amber:
            reading = "Partly: \(worst.0) is \(f(worst.1)) wider than \(worst.2)."
        default:
            reading = "No: \(worst.0) is \(f(worst.1)) wider than \(worst.2)."
        }
        if let first = groupCaveats.first {
            reading += " Caveat: \(first.message)."
        }
        reading += " (\"As fair as the real rows\" is not \"fair\": the real rows' own gap, \(f(fairness.realParityGap)), is beside it.)"
        return Line(question: "Fair?", light: light, answer: answer(light), figures: figures, reading: reading, thresholds: thresholds)
    }

    static func answer(_ light: Light) -> String {
        switch light {
        case .green: "yes"
        case .amber: "partly"
        case .red: "no"
        case .none: "not measured"
        }
    }
}
