/// The numbers a data owner looks at before sharing a synthetic table: validity, fidelity, utility,
/// fairness and privacy. (The evaluation reads the real rows: it is for the owner, not part of any
/// private release.)
public struct EvaluationReport: Codable, Sendable {
    public struct Utility: Codable, Sendable {
        public var accuracy: Double
        public var rocAUC: Double
        public var f1: Double
    }

    public struct Fairness: Codable, Sendable {
        public var realParityGap: Double
        public var syntheticParityGap: Double
        public var tstrDemographicParityDifference: Double
        public var tstrEqualizedOddsDifference: Double
    }

    public var syntheticRows: Int
    public var validRows: Int
    public var oneWayTV: [String: Double]
    public var meanOneWayTV: Double
    public var meanTwoWayTV: Double
    public var maxTwoWayTV: Double
    public var positiveClass: String
    public var trtr: Utility
    public var tstr: Utility
    public var fairness: Fairness?
    public var exactCopyRate: Double
    public var realTestExactCopyRate: Double
    public var closerToTrainShare: Double
    public var privacy: PrivacyRecord?
}

public enum Evaluation {
    /// - Parameters: rows typed by the schema; `target` must be categorical; `sensitive` optional.
    public static func run(schema: Schema, train: [Row], test: [Row], synthetic: [Row], syntheticTotal: Int,
                           target: String, sensitive: String?, privacy: PrivacyRecord?, comparedRows: Int = 500) throws -> EvaluationReport {
        guard let targetIndex = schema.index(of: target), let categories = schema.columns[targetIndex].categories else {
            throw InputError("target '\(target)' must be a categorical column of the schema")
        }
        let sensitiveIndex = try sensitive.map { name -> Int in
            guard let index = schema.index(of: name) else { throw InputError("no column named '\(name)'") }
            return index
        }
        // The positive class: the less frequent target value among the real training rows.
        let frequency = Dictionary(grouping: train, by: { $0[targetIndex] }).mapValues(\.count)
        let positiveName = categories.min { frequency[.category($0), default: 0] < frequency[.category($1), default: 0] }!
        let positive = Cell.category(positiveName)
        func labels(_ rows: [Row]) -> [Bool] { rows.map { $0[targetIndex] == positive } }

        let fidelity = MarginalFidelity(schema: schema, fittedOn: train)
        let oneWay = fidelity.oneWay(real: train, synthetic: synthetic)
        let twoWay = fidelity.twoWay(real: train, synthetic: synthetic)

        let encoder = FeatureEncoder(schema: schema, fittedOn: train, excluding: targetIndex)
        let testFeatures = encoder.matrix(test), testLabels = labels(test)
        func utility(trainingRows: [Row]) -> (Utility: EvaluationReport.Utility, scores: [Double]) {
            let model = LogisticRegression(features: encoder.matrix(trainingRows), labels: labels(trainingRows), width: encoder.width)
            let scores = model.probabilities(testFeatures)
            return (EvaluationReport.Utility(accuracy: ClassificationMetrics.accuracy(scores: scores, labels: testLabels),
                                             rocAUC: ClassificationMetrics.rocAUC(scores: scores, labels: testLabels),
                                             f1: ClassificationMetrics.f1(scores: scores, labels: testLabels)), scores)
        }
        let real = utility(trainingRows: train)
        let synthetic_ = utility(trainingRows: synthetic)

        var fairness: EvaluationReport.Fairness?
        if let sensitiveIndex {
            func groups(_ rows: [Row]) -> [String] { rows.map { "\($0[sensitiveIndex])" } }
            let predictions = synthetic_.scores.map { $0 >= 0.5 }
            fairness = EvaluationReport.Fairness(
                realParityGap: FairnessMetrics.parityDifference(outcomes: labels(train), groups: groups(train)),
                syntheticParityGap: FairnessMetrics.parityDifference(outcomes: labels(synthetic), groups: groups(synthetic)),
                tstrDemographicParityDifference: FairnessMetrics.parityDifference(outcomes: predictions, groups: groups(test)),
                tstrEqualizedOddsDifference: FairnessMetrics.equalizedOddsDifference(predictions: predictions, labels: testLabels, groups: groups(test)))
        }
        // Distance to closest record against equally large train and holdout samples (a larger
        // candidate set would look closer by chance alone).
        let sampleSize = max(1, min(train.count, test.count, comparedRows * 4))
        let holdout = Array(test.prefix(sampleSize)), trainSample = Array(train.prefix(sampleSize))
        return EvaluationReport(
            syntheticRows: syntheticTotal, validRows: synthetic.count,
            oneWayTV: Dictionary(uniqueKeysWithValues: zip(schema.columnNames, oneWay)),
            meanOneWayTV: oneWay.reduce(0, +) / Double(oneWay.count),
            meanTwoWayTV: twoWay.isEmpty ? 0 : twoWay.reduce(0, +) / Double(twoWay.count), maxTwoWayTV: twoWay.max() ?? 0,
            positiveClass: positiveName, trtr: real.Utility, tstr: synthetic_.Utility, fairness: fairness,
            exactCopyRate: PrivacyMetrics.exactCopyRate(synthetic, of: train),
            realTestExactCopyRate: PrivacyMetrics.exactCopyRate(test, of: train),
            closerToTrainShare: PrivacyMetrics.closerToTrainShare(Array(synthetic.prefix(comparedRows)), train: trainSample, holdout: holdout),
            privacy: privacy)
    }
}
