import Foundation
import TablmCore
import XCTest

final class BoostedTreesTests: XCTestCase {
    /// One round, depth 1, learning rate 1, λ = 1 on x = 0, 0, 1, 1 with labels F, F, T, T: the base
    /// score is logit(0.5) = 0, gradients p − y = ±½, hessians ¼. The split x ≤ 0.5 leaves G = 1,
    /// H = ½ on the left, so the leaf is −1 / (½ + 1) = −⅔, and +⅔ on the right.
    func testOneStumpByHand() {
        var settings = BoostedTrees.Settings()
        settings.rounds = 1
        settings.depth = 1
        settings.learningRate = 1
        settings.l2 = 1
        let model = BoostedTrees(features: [0, 0, 1, 1], labels: [false, false, true, true], width: 1, settings: settings)
        let p = model.probabilities([0, 1])
        XCTAssertEqual(p[0], 1 / (1 + exp(2.0 / 3)), accuracy: 1e-12)
        XCTAssertEqual(p[1], 1 / (1 + exp(-2.0 / 3)), accuracy: 1e-12)
    }

    /// XOR of two features: no linear model separates it; depth-2 trees do.
    func testLearnsAnInteractionLogisticRegressionCannot() {
        var generator = SplitMix64(seed: 7)
        var features: [Double] = [], labels: [Bool] = []
        for _ in 0..<800 {
            let a = Double.random(in: -1...1, using: &generator), b = Double.random(in: -1...1, using: &generator)
            features += [a, b]
            labels.append((a > 0) != (b > 0))
        }
        let trees = BoostedTrees(features: features, labels: labels, width: 2).probabilities(features)
        let linear = LogisticRegression(features: features, labels: labels, width: 2).probabilities(features)
        XCTAssertGreaterThan(ClassificationMetrics.rocAUC(scores: trees, labels: labels), 0.97)
        XCTAssertLessThan(ClassificationMetrics.rocAUC(scores: linear, labels: labels), 0.6)
    }

    /// Features that Float holds exactly (multiples of 1/8) give the same models in single precision
    /// as in double: what `evaluate` fits a million rows with changes the memory, not the classifier.
    func testSinglePrecisionFeaturesFitTheSameModels() {
        var generator = SplitMix64(seed: 5)
        var features: [Double] = [], labels: [Bool] = []
        for _ in 0..<600 {
            let a = Double(Int.random(in: -16...16, using: &generator)) / 8, b = Double(Int.random(in: 0...1, using: &generator))
            features += [a, b, 0]
            labels.append(a + b + Double.random(in: -1...1, using: &generator) > 0.5)
        }
        let single = features.map(Float.init)
        XCTAssertEqual(BoostedTrees(features: single, labels: labels, width: 3).probabilities(single),
                       BoostedTrees(features: features, labels: labels, width: 3).probabilities(features))
        XCTAssertEqual(LogisticRegression(features: single, labels: labels, width: 3).probabilities(single),
                       LogisticRegression(features: features, labels: labels, width: 3).probabilities(features))
    }
}

