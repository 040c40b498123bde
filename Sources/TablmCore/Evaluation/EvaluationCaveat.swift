/// Readings that make other figures of an evaluation meaningless, said before the figures so that a
/// useless table never reads as good news: a TSTR classifier that predicts one class for every test
/// row has F1 0 and fairness differences of exactly 0, which look like perfect fairness; one whose
/// ROC-AUC is near 0.5 learned nothing about the target from the synthetic rows.
public struct EvaluationCaveat: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// Every synthetic row has the same target value: no classifier can be trained on them.
        case singleClassTarget = "single_class_target"
        /// Every training row has the same target value: TRTR, the reference of every comparison, is a
        /// constant predictor (and the positive class a value the rows do not hold).
        case singleClassTraining = "single_class_training"
        /// A TSTR classifier predicts the same class for every test row.
        case constantPredictor = "constant_predictor"
        /// A TSTR classifier's ROC-AUC is within `chanceMargin` of 0.5.
        case chanceAUC = "chance_auc"
        /// A TSTR classifier calls no test row of a group positive (or every one), though it is not
        /// constant overall: its demographic-parity difference is then that group's absence.
        case groupSelection = "group_selection"
    }

    public var kind: Kind
    /// The classifier concerned, when the caveat is about one.
    public var classifier: String?
    public var message: String

    public init(kind: Kind, classifier: String?, message: String) {
        self.kind = kind
        self.classifier = classifier
        self.message = message
    }

    /// |ROC-AUC − 0.5| at or below this reads as chance. A run moves by about ±0.01 and a model that
    /// learned something of Adult's target sits above 0.7, so 0.05 separates the two with room.
    public static let chanceMargin = 0.05

    /// - Parameters:
    ///   - syntheticTargets: the distinct target values among the synthetic rows.
    ///   - predictedPositiveShare: per classifier, the share of test rows its TSTR model calls positive.
    ///   - positive, negative: the two predictions as the message says them (`income = >50K`).
    static func find(classifiers: [EvaluationReport.Classifier], predictedPositiveShare: [Double], syntheticTargets: Set<String>,
                     target: String, positive: String, negative: String, sensitive: Bool) -> [EvaluationCaveat] {
        var caveats: [EvaluationCaveat] = []
        if syntheticTargets.count < 2 {
            caveats.append(EvaluationCaveat(
                kind: .singleClassTarget, classifier: nil,
                message: "every synthetic row has \(target) = \(syntheticTargets.first ?? "(none)"): the TSTR figures and the synthetic parity gap mean nothing"))
        }
        for (classifier, share) in zip(classifiers, predictedPositiveShare) {
            if share == 0 || share == 1 {
                caveats.append(EvaluationCaveat(
                    kind: .constantPredictor, classifier: classifier.name,
                    message: "TSTR \(classifier.name) predicts \(share == 1 ? positive : negative) for every test row (a constant predictor)"
                        + (sensitive ? ": its F1 and its demographic-parity and equalized-odds differences mean nothing" : ": its F1 means nothing")))
            } else if abs(classifier.tstr.rocAUC - 0.5) <= chanceMargin {
                caveats.append(EvaluationCaveat(
                    kind: .chanceAUC, classifier: classifier.name,
                    message: String(format: "TSTR %@ ROC-AUC %.3f is at chance (0.5): the synthetic rows carry no usable dependence of %@ on the other columns",
                                    classifier.name, classifier.tstr.rocAUC, target)))
            }
        }
        return caveats
    }

    /// A selection rate of 0 (or 1) for a group is the model leaving the group out of (or wholly in)
    /// the positive class, not a rate to compare: said first, beside what the same classifier does
    /// trained on the real rows.
    /// - Parameters:
    ///   - classifiers: per classifier that is not constant, its name and its predictions on the test
    ///     rows trained on the synthetic rows (TSTR) and on the real ones (TRTR).
    ///   - groups: each test row's group; `names`: the groups in the order to report them.
    static func groupsNeverOrAlwaysSelected(classifiers: [(name: String, tstr: [Bool], trtr: [Bool])], groups: [String], names: [String],
                                            positive: String) -> [EvaluationCaveat] {
        var caveats: [EvaluationCaveat] = []
        for (name, tstr, trtr) in classifiers {
            for group in names {
                let members = groups.indices.filter { groups[$0] == group }
                guard !members.isEmpty else { continue }
                let selected = members.filter { tstr[$0] }.count
                guard selected == 0 || selected == members.count else { continue }
                let real = Double(members.filter { trtr[$0] }.count) / Double(members.count)
                caveats.append(EvaluationCaveat(
                    kind: .groupSelection, classifier: name,
                    message: String(format: "TSTR %@ predicts %@ for %@ test row of group %@ (selection rate %.3f over %d rows; trained on the real rows: %.3f): its demographic-parity and equalized-odds differences measure that omission, not a like-for-like treatment",
                                    name, positive, selected == 0 ? "no" : "every", group, selected == 0 ? 0.0 : 1.0, members.count, real)))
            }
        }
        return caveats
    }
}

extension EvaluationReport {
    /// Whether the TSTR model of `classifier` predicts one class for every test row.
    public func isConstant(_ classifier: Classifier) -> Bool {
        caveats.contains { $0.kind == .constantPredictor && $0.classifier == classifier.name }
    }
}
