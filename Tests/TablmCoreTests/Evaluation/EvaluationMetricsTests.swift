import Foundation
@testable import TablmCore
import XCTest

final class EvaluationMetricsTests: XCTestCase {
    func testClassificationMetricsByHand() {
        // Positives score 0.35 and 0.8, negatives 0.1 and 0.4: 3 of 4 pairs ordered right.
        XCTAssertEqual(ClassificationMetrics.rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [false, false, true, true]), 0.75)
        XCTAssertEqual(ClassificationMetrics.rocAUC(scores: [0.5, 0.5], labels: [true, false]), 0.5, "a tie counts one half")
        // Predictions T F T F against labels T T F F: one of each outcome.
        XCTAssertEqual(ClassificationMetrics.accuracy(scores: [0.9, 0.2, 0.6, 0.4], labels: [true, true, false, false]), 0.5)
        XCTAssertEqual(ClassificationMetrics.f1(scores: [0.9, 0.2, 0.6, 0.4], labels: [true, true, false, false]), 0.5)
    }

    func testFairnessMetricsByHand() {
        // Group a: 2 of 4 positive; group b: 1 of 4.
        let groups = ["a", "a", "a", "a", "b", "b", "b", "b"]
        XCTAssertEqual(FairnessMetrics.parityDifference(outcomes: [true, true, false, false, true, false, false, false], groups: groups), 0.25)
        // True-positive rates: a 1/2, b 2/2 (gap 0.5); false-positive rates: a 1/2, b 0/2 (gap 0.5).
        let predictions = [true, false, true, false, true, true, false, false]
        let labels = [true, true, false, false, true, true, false, false]
        XCTAssertEqual(FairnessMetrics.equalizedOddsDifference(predictions: predictions, labels: labels, groups: groups), 0.5)
        // Per group, the same counts: a selects 2 of 4, TPR 1/2, FPR 1/2; b selects 2 of 4, TPR 2/2, FPR 0/2.
        XCTAssertEqual(FairnessMetrics.rates(predictions: predictions, labels: labels, groups: groups, group: "a"),
                       EvaluationReport.GroupRates(selection: 0.5, truePositive: 0.5, falsePositive: 0.5))
        XCTAssertEqual(FairnessMetrics.rates(predictions: predictions, labels: labels, groups: groups, group: "b"),
                       EvaluationReport.GroupRates(selection: 0.5, truePositive: 1, falsePositive: 0))
        XCTAssertTrue(FairnessMetrics.rates(predictions: predictions, labels: labels, groups: groups, group: "c").selection.isNaN, "no rows: NaN")
    }

    func testTotalVariationAndCopies() {
        XCTAssertEqual(MarginalFidelity.totalVariation([1: 0.5, 2: 0.5], [1: 1]), 0.5)
        XCTAssertEqual(MarginalFidelity.totalVariation([1: 0.2, 2: 0.8], [1: 0.2, 2: 0.8]), 0)
        let train: [Row] = [[.number(1), .category("a")], [.number(2), .category("b")], [.number(3), .category("a")], [.number(4), .category("b")]]
        let holdout: [Row] = [[.number(7), .category("a")], [.number(8), .category("b")], [.number(9), .category("a")], [.number(6), .category("b")]]
        XCTAssertEqual(PrivacyMetrics.exactCopyRate([train[0], holdout[0]], of: train), 0.5)
        XCTAssertEqual(PrivacyMetrics.closerToTrainShare(train, train: train, holdout: holdout), 1, "copies of training rows")
        XCTAssertEqual(PrivacyMetrics.closerToTrainShare(holdout, train: train, holdout: holdout), 0)
        let schema = Schema(columns: [.integer("n", min: 0, max: 10), .categorical("c", ["a", "b"])], source: .public)
        let fidelity = MarginalFidelity(schema: schema, fittedOn: train)
        XCTAssertEqual(fidelity.oneWay(real: train, synthetic: train), [0, 0])
        XCTAssertEqual(fidelity.oneWay(real: train, synthetic: [[.number(1), .category("a")]])[1], 0.5)
        // Each of 1, 2, 3, 4 holds a quarter of the rows (≥ 1/10): a bin each, cuts 1, 2, 3, 4, 5.
        XCTAssertEqual(fidelity.binLabels[0], ["missing", "< 1", "1", "2", "3", "4", "≥ 5"])
        XCTAssertEqual(fidelity.histogram(train + [[.missing, .category("a")]], column: 0), [0.2, 0, 0.2, 0.2, 0.2, 0.2, 0])
        // Zero-inflated (90 zeros, then 1 … 10): 0 alone; the ten others cut at their own quantiles
        // into the 9 bins left (rest[10·b/9] = 2 … 9 for b = 1 … 8).
        XCTAssertEqual(MarginalFidelity.cuts(sorted: [Int64](repeating: 0, count: 90) + Array(1...10), bins: 10), Array(0...9))
        let inflated = MarginalFidelity(schema: schema, fittedOn: (0..<100).map { [.number($0 < 90 ? 0 : Int64($0 - 89)), .category("a")] })
        XCTAssertEqual(inflated.binLabels[0], ["missing", "< 0", "0", "1", "2", "3", "4", "5", "6", "7", "8", "≥ 9"])
        XCTAssertEqual(inflated.oneWay(real: [[.number(0), .category("a")]], synthetic: [[.number(5), .category("a")]])[0], 1,
                       "zeros against non-zeros are apart")
        XCTAssertEqual(fidelity.histogram(train, column: 1), [0, 0.5, 0.5])
    }

    /// At the fitted weights the penalised mean log-loss has zero gradient (first-order optimality),
    /// checked independently of the Newton solver.
    func testLogisticRegressionReachesTheOptimum() {
        var generator = SplitMix64(seed: 2)
        let n = 400, d = 3
        var features: [Double] = [], labels: [Bool] = []
        for _ in 0..<n {
            let x = (0..<d).map { _ in Double.random(in: -2...2, using: &generator) }
            features += x
            let z = 1.5 * x[0] - 2 * x[1] + 0.5
            labels.append(Double.random(in: 0..<1, using: &generator) < 1 / (1 + exp(-z)))
        }
        let l2 = 1e-2
        let model = LogisticRegression(features: features, labels: labels, width: d, l2: l2)
        var gradient = [Double](repeating: 0, count: d + 1)
        let p = model.probabilities(features)
        for i in 0..<n {
            let error = p[i] - (labels[i] ? 1 : 0)
            for j in 0..<d { gradient[j] += error * features[i * d + j] / Double(n) }
            gradient[d] += error / Double(n)
        }
        for j in 0..<d { gradient[j] += l2 * model.weights[j] }
        XCTAssertTrue(gradient.allSatisfy { abs($0) < 1e-8 }, "\(gradient)")
        XCTAssertEqual(model.weights[0], 1.5, accuracy: 0.5)
        XCTAssertEqual(model.weights[1], -2, accuracy: 0.6)
        XCTAssertGreaterThan(ClassificationMetrics.rocAUC(scores: p, labels: labels), 0.8)
    }
}
