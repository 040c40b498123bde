/// The numbers a data owner looks at before sharing a synthetic table: validity, fidelity, utility,
/// fairness and privacy. (The evaluation reads the real rows: it is for the owner, not part of any
/// private release.)
public struct EvaluationReport: Codable, Sendable {
    public struct Utility: Codable, Sendable {
        public var accuracy: Double
        public var rocAUC: Double
        public var f1: Double
    }

    /// One classifier trained on real rows (TRTR) and on synthetic rows (TSTR), both tested on real
    /// test rows; the fairness of the TSTR model's predictions when a sensitive column is given.
    public struct Classifier: Codable, Sendable {
        public var name: String
        public var trtr: Utility
        public var tstr: Utility
        public var tstrDemographicParityDifference: Double?
        public var tstrEqualizedOddsDifference: Double?
        /// The same differences for the classifier trained on the real rows: what the synthetic
        /// rows' are read against (a gap the real rows already carry is not the generator's doing).
        public var trtrDemographicParityDifference: Double?
        public var trtrEqualizedOddsDifference: Double?
        /// Share of the test rows the TSTR model calls positive (0 or 1: a constant predictor).
        public var tstrPredictedPositiveShare: Double
    }

    /// How a classifier treats one group of the test rows: the share it calls positive, and its
    /// true- and false-positive rates (the two halves of equalized odds, Hardt et al. 2016).
    public struct GroupRates: Codable, Sendable, Equatable {
        public var selection: Double
        public var truePositive: Double
        public var falsePositive: Double

        public init(selection: Double, truePositive: Double, falsePositive: Double) {
            self.selection = selection
            self.truePositive = truePositive
            self.falsePositive = falsePositive
        }
    }

    public struct Group: Codable, Sendable {
        public var group: String
        /// The last classifier's (boosted trees') rates on the group's test rows, trained on the
        /// synthetic rows and on the real ones.
        public var tstr: GroupRates?
        public var trtr: GroupRates?
        /// P(target = positive | group) in the real training rows, the synthetic rows, and the TSTR
        /// model's predictions on the test rows (first classifier).
        public var realRate: Double
        public var syntheticRate: Double
        public var tstrPredictedRate: Double
        public var realShare: Double
        public var syntheticShare: Double
    }

    public struct Fairness: Codable, Sendable {
        public var sensitive: String
        /// The classifier of the groups' `tstr` and `trtr` rates.
        public var ratesClassifier: String?
        public var realParityGap: Double
        public var syntheticParityGap: Double
        public var groups: [Group]
    }

    public struct Histogram: Codable, Sendable {
        public var column: String
        public var bins: [String]
        public var real: [Double]
        public var synthetic: [Double]
        /// Bins of numbers, in their order (a chart keeps it); otherwise categories (a chart orders
        /// them by frequency).
        public var numeric: Bool

        public init(column: String, bins: [String], real: [Double], synthetic: [Double], numeric: Bool = false) {
            self.column = column
            self.bins = bins
            self.real = real
            self.synthetic = synthetic
            self.numeric = numeric
        }
    }

    public struct Membership: Codable, Sendable {
        /// Rows of each side the attacks scored.
        public var members: Int
        public var nonMembers: Int
        public var distanceAUC: Double
        /// With the model: its row log-likelihood as the attack score.
        public var likelihoodAUC: Double?
    }

    /// What makes other figures meaningless (a constant predictor, chance AUC), said first.
    public var caveats: [EvaluationCaveat]
    public var syntheticRows: Int
    public var validRows: Int
    public var columns: [String]
    public var oneWayTV: [String: Double]
    public var meanOneWayTV: Double
    public var meanTwoWayTV: Double
    public var maxTwoWayTV: Double
    /// TV distances as an n × n matrix over `columns`: pairs off the diagonal, columns on it.
    public var twoWayTV: [Double]
    public var frechetDistance: Double
    /// The same distance between the real test and training rows: what sampling noise alone gives.
    public var realFrechetDistance: Double
    /// Mean |association(real) − association(synthetic)| over column pairs (see ColumnAssociation).
    public var correlationDifference: Double
    public var realAssociation: [Double]
    public var syntheticAssociation: [Double]
    public var histograms: [Histogram]
    /// Each numeric column's real and synthetic range and its own Fréchet distance: which column
    /// drives a large distance, and by how far its synthetic values leave the real range.
    public var ranges: [ColumnRange]
    public var target: String
    public var positiveClass: String
    public var classifiers: [Classifier]
    /// The model itself as a classifier on the test rows (`ModelConditional`): p(target | the other
    /// columns) from its row likelihoods; nil without a checkpoint.
    public var modelConditional: Utility?
    public var fairness: Fairness?
    public var exactCopyRate: Double
    public var realTestExactCopyRate: Double
    public var closerToTrainShare: Double
    public var membership: Membership
    public var privacy: PrivacyRecord?
    /// The same figures for another synthetic table of the same model (the rows before the mask),
    /// when `evaluate --before` names one: what the mask changed, side by side.
    public var before: Before?

    /// The figures of the other table that the comparison shows.
    public struct Before: Codable, Sendable {
        public var synthetic: String
        public var meanOneWayTV: Double
        public var meanTwoWayTV: Double
        public var classifiers: [Classifier]
        public var fairness: Fairness?

        public init(synthetic: String, report: EvaluationReport) {
            self.synthetic = synthetic
            meanOneWayTV = report.meanOneWayTV
            meanTwoWayTV = report.meanTwoWayTV
            classifiers = report.classifiers
            fairness = report.fairness
        }
    }
}

public enum Evaluation {
    /// The target (a categorical column) and the sensitive groups (not reading the target) an
    /// evaluation compares, checked against the schema: what a caller checks before any work.
    public static func columns(schema: Schema, target: String, sensitive: String?) throws
        -> (target: Int, categories: [String], sensitive: SensitiveGroups?) {
        guard let targetIndex = schema.index(of: target), let categories = schema.columns[targetIndex].categories else {
            throw InputError("target \(quoted: target) must be a categorical column of the schema")
        }
        let sensitiveGroups = try sensitive.map { try SensitiveGroups(parsing: $0, schema: schema) }
        if let sensitiveGroups, sensitiveGroups.columns.contains(targetIndex) {
            throw OptionError("--sensitive \(quoted: sensitiveGroups.description) reads the target \(quoted: target)")
        }
        return (targetIndex, categories, sensitiveGroups)
    }

    /// - Parameters:
    ///   - rowLogLikelihood: the model's log-likelihood of rows, for the likelihood membership attack
    ///     and the model's own classifier (`ModelConditional`).
    ///   - comparedRows: rows per side for the distance checks and attacks (they are quadratic).
    ///   - progress: told the name of each stage as it starts (the whole run takes tens of seconds).
    public static func run(schema: Schema, train: [Row], test: [Row], synthetic: [Row], syntheticTotal: Int,
                           target: String, sensitive: String?, privacy: PrivacyRecord?,
                           rowLogLikelihood: (([Row]) throws -> [Double])? = nil,
                           comparedRows: Int = 1000, seed: UInt64 = 0, progress: (String) -> Void = { _ in }) throws -> EvaluationReport {
        let (targetIndex, categories, sensitiveGroups) = try columns(schema: schema, target: target, sensitive: sensitive)
        guard !train.isEmpty, !test.isEmpty, !synthetic.isEmpty else { throw InputError("the training, test and synthetic tables need rows") }
        // The positive class: the less frequent target value among the real training rows.
        let frequency = Dictionary(grouping: train, by: { $0[targetIndex] }).mapValues(\.count)
        let positiveName = categories.min { frequency[.category($0), default: 0] < frequency[.category($1), default: 0] }!
        let positive = Cell.category(positiveName)
        func labels(_ rows: [Row]) -> [Bool] { rows.map { $0[targetIndex] == positive } }

        // Fidelity.
        progress("fidelity: 1- and 2-way total variation, Fréchet distance, associations")
        let n = schema.columns.count
        let fidelity = MarginalFidelity(schema: schema, fittedOn: train)
        let oneWay = fidelity.oneWay(real: train, synthetic: synthetic)
        let twoWay = fidelity.twoWay(real: train, synthetic: synthetic)
        var twoWayMatrix = [Double](repeating: 0, count: n * n), pair = 0
        for i in 0..<n {
            twoWayMatrix[i * n + i] = oneWay[i]
            for j in (i + 1)..<max(i + 1, n) {
                twoWayMatrix[i * n + j] = twoWay[pair]
                twoWayMatrix[j * n + i] = twoWay[pair]
                pair += 1
            }
        }
        var generator = SplitMix64(seed: seed ^ 0xE7A1)
        func sample(_ rows: [Row], _ count: Int) -> [Row] {
            rows.count <= count ? rows : Array(rows.shuffled(using: &generator).prefix(count))
        }
        // Rows are encoded one at a time here and one table at a time below, never all at once:
        // at a million rows a table's features take about as much memory as its rows.
        let allColumns = FeatureEncoder(schema: schema, fittedOn: train, excluding: nil)
        let trainMoments = FrechetDistance.moments(train, encoder: allColumns)
        func frechetDistance(to rows: [Row]) -> Double {
            let other = FrechetDistance.moments(rows, encoder: allColumns)
            return FrechetDistance.between(mean1: trainMoments.mean, covariance1: trainMoments.covariance, mean2: other.mean, covariance2: other.covariance)
        }
        let frechet = frechetDistance(to: synthetic), realFrechet = frechetDistance(to: test)
        let realAssociation = ColumnAssociation.matrix(schema: schema, rows: train)
        let syntheticAssociation = ColumnAssociation.matrix(schema: schema, rows: synthetic)

        // Utility, and the fairness of the TSTR models.
        let encoder = FeatureEncoder(schema: schema, fittedOn: train, excluding: targetIndex)
        let testFeatures = encoder.singleMatrix(test), testLabels = labels(test)
        // Group names ("Female", "age<25", "Female & White").
        func groups(_ rows: [Row]) -> [String] {
            guard let sensitiveGroups else { return [] }
            return rows.map(sensitiveGroups.name(of:))
        }
        let testGroups = sensitiveGroups.map { _ in groups(test) }
        let trainY = labels(train), syntheticY = labels(synthetic)
        let learners: [(String, ([Float], [Bool]) -> [Double])] = [
            ("logistic regression", { LogisticRegression(features: $0, labels: $1, width: encoder.width).probabilities(testFeatures) }),
            ("boosted trees", { BoostedTrees(features: $0, labels: $1, width: encoder.width).probabilities(testFeatures) }),
        ]
        func utility(_ scores: [Double]) -> EvaluationReport.Utility {
            EvaluationReport.Utility(accuracy: ClassificationMetrics.accuracy(scores: scores, labels: testLabels),
                                     rocAUC: ClassificationMetrics.rocAUC(scores: scores, labels: testLabels),
                                     f1: ClassificationMetrics.f1(scores: scores, labels: testLabels))
        }
        // Each classifier's scores on the test rows, trained on the synthetic and on the real rows:
        // one table's features at a time, in single precision.
        func testScores(trainedOn rows: [Row], labels: [Bool]) -> [[Double]] {
            let features = encoder.singleMatrix(rows)
            return learners.map { _, fit in fit(features, labels) }
        }
        let names = learners.map(\.0).joined(separator: " and ")
        progress("utility: \(names) trained on the synthetic rows (TSTR)")
        let tstrAll = testScores(trainedOn: synthetic, labels: syntheticY)
        progress("utility: \(names) trained on the real rows (TRTR)")
        let trtrAll = testScores(trainedOn: train, labels: trainY)
        var predictions: [(tstr: [Bool], trtr: [Bool])] = []
        let classifiers = learners.indices.map { l -> EvaluationReport.Classifier in
            let name = learners[l].0
            let tstrScores = tstrAll[l], trtrScores = trtrAll[l]
            let tstr = tstrScores.map { $0 >= 0.5 }, trtr = trtrScores.map { $0 >= 0.5 }
            predictions.append((tstr, trtr))
            return EvaluationReport.Classifier(
                name: name, trtr: utility(trtrScores), tstr: utility(tstrScores),
                tstrDemographicParityDifference: testGroups.map { FairnessMetrics.parityDifference(outcomes: tstr, groups: $0) },
                tstrEqualizedOddsDifference: testGroups.map { FairnessMetrics.equalizedOddsDifference(predictions: tstr, labels: testLabels, groups: $0) },
                trtrDemographicParityDifference: testGroups.map { FairnessMetrics.parityDifference(outcomes: trtr, groups: $0) },
                trtrEqualizedOddsDifference: testGroups.map { FairnessMetrics.equalizedOddsDifference(predictions: trtr, labels: testLabels, groups: $0) },
                tstrPredictedPositiveShare: Double(tstr.filter { $0 }.count) / Double(max(tstr.count, 1)))
        }
        let firstPredictions = predictions.first?.tstr ?? [], lastPredictions = predictions.last
        let targetValues = categories.map(Cell.category) + (schema.columns[targetIndex].allowsMissing ? [.missing] : [])
        let modelConditional = try rowLogLikelihood.flatMap { score -> EvaluationReport.Utility? in
            progress("utility: the model's own p(\(target) | the other columns) on the test rows (it scores \(targetValues.count) × \(test.count) rows)")
            return try ModelConditional.probabilities(of: positive, rows: test, target: targetIndex, values: targetValues, logLikelihood: score).map(utility)
        }
        var caveats = EvaluationCaveat.find(
            classifiers: classifiers, predictedPositiveShare: classifiers.map(\.tstrPredictedPositiveShare),
            syntheticTargets: Set(synthetic.compactMap { if case .category(let value) = $0[targetIndex] { value } else { nil } }),
            target: target, positive: "\(target) = \(positiveName)",
            negative: categories.count == 2 ? "\(target) = \(categories.first { $0 != positiveName }!)" : "\(target) ≠ \(positiveName)",
            sensitive: sensitiveGroups != nil)
        let trainingTargets = Set(train.compactMap { if case .category(let value) = $0[targetIndex] { value } else { nil } })
        if trainingTargets.count < 2 {
            caveats.insert(EvaluationCaveat(kind: .singleClassTraining, classifier: nil,
                                            message: "every training row has \(target) = \(trainingTargets.first ?? "(none)"): TRTR predicts one class, and every comparison with it means nothing"),
                           at: 0)
        }
        if let sensitiveGroups, let testGroups {
            caveats += EvaluationCaveat.groupsNeverOrAlwaysSelected(
                classifiers: zip(classifiers, predictions).filter { pair in !caveats.contains { $0.kind == .constantPredictor && $0.classifier == pair.0.name } }
                    .map { ($0.0.name, $0.1.tstr, $0.1.trtr) },
                groups: testGroups, names: sensitiveGroups.names + ["(none)"], positive: "\(target) = \(positiveName)")
        }

        var fairness: EvaluationReport.Fairness?
        if let sensitiveGroups, let testGroups {
            let trainGroups = groups(train), syntheticGroups = groups(synthetic)
            fairness = EvaluationReport.Fairness(
                sensitive: sensitiveGroups.description, ratesClassifier: learners.last?.0,
                realParityGap: FairnessMetrics.parityDifference(outcomes: trainY, groups: trainGroups),
                syntheticParityGap: FairnessMetrics.parityDifference(outcomes: syntheticY, groups: syntheticGroups),
                groups: (sensitiveGroups.names + ["(none)"]).filter(Set(trainGroups + syntheticGroups).contains).map { group in
                    EvaluationReport.Group(group: group,
                                           tstr: lastPredictions.map { FairnessMetrics.rates(predictions: $0.tstr, labels: testLabels, groups: testGroups, group: group) },
                                           trtr: lastPredictions.map { FairnessMetrics.rates(predictions: $0.trtr, labels: testLabels, groups: testGroups, group: group) },
                                           realRate: FairnessMetrics.rate(outcomes: trainY, groups: trainGroups, group: group),
                                           syntheticRate: FairnessMetrics.rate(outcomes: syntheticY, groups: syntheticGroups, group: group),
                                           tstrPredictedRate: FairnessMetrics.rate(outcomes: firstPredictions, groups: testGroups, group: group),
                                           realShare: Double(trainGroups.filter { $0 == group }.count) / Double(train.count),
                                           syntheticShare: Double(syntheticGroups.filter { $0 == group }.count) / Double(synthetic.count))
                })
        }

        // Privacy. Distance checks use equally large train and holdout samples (a larger candidate
        // set would look closer by chance alone).
        progress(rowLogLikelihood == nil ? "privacy: copies, distances, membership attack" : "privacy: copies, distances, membership attacks (the model scores \(2 * min(train.count, test.count, comparedRows)) rows)")
        let side = max(1, min(train.count, test.count, comparedRows))
        let members = sample(train, side), nonMembers = sample(test, side)
        let reference = allColumns.matrix(sample(synthetic, 5 * comparedRows))
        let memberDistance = MembershipInference.nearestDistances(queries: allColumns.matrix(members), reference: reference, width: allColumns.width)
        let nonMemberDistance = MembershipInference.nearestDistances(queries: allColumns.matrix(nonMembers), reference: reference, width: allColumns.width)
        let likelihoodAUC = try rowLogLikelihood.map { score in
            MembershipInference.auc(memberScores: try score(members), nonMemberScores: try score(nonMembers))
        }
        let columnNames = schema.columnNames
        return EvaluationReport(
            caveats: caveats, syntheticRows: syntheticTotal, validRows: synthetic.count, columns: columnNames,
            oneWayTV: Dictionary(uniqueKeysWithValues: zip(columnNames, oneWay)),
            meanOneWayTV: oneWay.reduce(0, +) / Double(oneWay.count),
            meanTwoWayTV: twoWay.isEmpty ? 0 : twoWay.reduce(0, +) / Double(twoWay.count), maxTwoWayTV: twoWay.max() ?? 0,
            twoWayTV: twoWayMatrix, frechetDistance: frechet, realFrechetDistance: realFrechet,
            correlationDifference: ColumnAssociation.meanDifference(realAssociation, syntheticAssociation, columns: n),
            realAssociation: realAssociation, syntheticAssociation: syntheticAssociation,
            histograms: columnNames.indices.map { index -> EvaluationReport.Histogram in
                let numeric = schema.columns[index].kind != .categorical
                let extent = numeric ? Self.extent(train + synthetic, column: index) : nil
                return EvaluationReport.Histogram(column: columnNames[index],
                                                  bins: fidelity.binLabels(column: index, lowest: extent?.lowerBound, highest: extent?.upperBound),
                                                  real: fidelity.histogram(train, column: index), synthetic: fidelity.histogram(synthetic, column: index),
                                                  numeric: numeric)
            },
            ranges: ColumnRange.measure(schema: schema, real: train, synthetic: synthetic),
            target: target, positiveClass: positiveName, classifiers: classifiers, modelConditional: modelConditional, fairness: fairness,
            exactCopyRate: PrivacyMetrics.exactCopyRate(synthetic, of: train),
            realTestExactCopyRate: PrivacyMetrics.exactCopyRate(test, of: train),
            closerToTrainShare: PrivacyMetrics.closerToTrainShare(Array(synthetic.prefix(comparedRows)), train: members, holdout: nonMembers),
            membership: EvaluationReport.Membership(members: members.count, nonMembers: nonMembers.count,
                                                    distanceAUC: MembershipInference.auc(memberScores: memberDistance.map { -$0 },
                                                                                          nonMemberScores: nonMemberDistance.map { -$0 }),
                                                    likelihoodAUC: likelihoodAUC),
            privacy: privacy)
    }

    /// The smallest and largest number of `column` in `rows` (nil when none holds one): the ends of
    /// the column's outer chart bins.
    static func extent(_ rows: [Row], column: Int) -> ClosedRange<Int64>? {
        var low = Int64.max, high = Int64.min
        for row in rows {
            if case .number(let units) = row[column] { low = min(low, units); high = max(high, units) }
        }
        return low <= high ? low...high : nil
    }
}
