@testable import TablmCore
import XCTest

final class FairnessRegularizerTests: XCTestCase {
    private func softmax(_ z: [Double]) -> [Double] { FairnessProbes.softmax(z) }

    /// KL(softmax(zp) ‖ softmax(zq)) and its gradients with respect to the logits (the KL's
    /// gradient in probabilities, then back through the softmax) against central differences.
    func testDivergenceGradientMatchesFiniteDifferences() {
        var generator = SplitMix64(seed: 2)
        let zp = (0..<5).map { _ in Double.random(in: -2...2, using: &generator) }
        let zq = (0..<5).map { _ in Double.random(in: -2...2, using: &generator) }
        func kl(_ a: [Double], _ b: [Double]) -> Double { FairnessRegularizer.divergenceGradient(p: softmax(a), q: softmax(b)).value }
        let p = softmax(zp), q = softmax(zq)
        let (value, gp, gq) = FairnessRegularizer.divergenceGradient(p: p, q: q)
        let dp = FairnessRegularizer.logitGradient(p: p, g: gp), dq = FairnessRegularizer.logitGradient(p: q, g: gq)
        XCTAssertEqual(value, zip(p, q).reduce(0) { $0 + $1.0 * log($1.0 / $1.1) }, accuracy: 1e-12)
        let h = 1e-6
        for j in 0..<5 {
            var up = zp, down = zp
            up[j] += h; down[j] -= h
            XCTAssertEqual(dp[j], (kl(up, zq) - kl(down, zq)) / (2 * h), accuracy: 1e-8)
            up = zq; down = zq
            up[j] += h; down[j] -= h
            XCTAssertEqual(dq[j], (kl(zp, up) - kl(zp, down)) / (2 * h), accuracy: 1e-8)
        }
        XCTAssertEqual(FairnessRegularizer.divergenceGradient(p: p, q: p).value, 0, accuracy: 1e-15)
    }

    /// The term's gradient with respect to the model's parameters (probe forward, restricted softmax,
    /// KL, backward from the logits) against central differences, in float64.
    func testParameterGradientMatchesFiniteDifferences() throws {
        let schema = Schema(columns: [.categorical("group", ["A", "B", "C"]), .categorical("outcome", ["no", "yes"], allowsMissing: true)],
                            source: .public, target: "outcome", sensitive: ["group"])
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let probes = try FairnessProbes(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, sensitive: "group", columns: ["outcome"])
        let regularizer = try FairnessRegularizer(probes: probes, lambda: 1.5, padding: tokenizer.padID)
        let model = GPT2<Double>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 16, width: 8, layers: 2, heads: 2))
        model.initializeParameters(seed: 5)
        for i in model.parameters.indices { model.parameters[i] *= 4 }   // groups apart: a KL well above rounding
        model.zeroGradients()
        XCTAssertGreaterThan(regularizer.addGradient(to: model), 1e-4)
        XCTAssertGreaterThan(TermGradientCheck.compare(model, samples: 40, seed: 8) { regularizer.addGradient(to: model) }, 10, "most sampled parameters move the term")
    }

    /// Gradient descent on the term alone drives the groups' distributions together.
    func testDescentEqualisesTheGroups() throws {
        let schema = Schema(columns: [.categorical("group", ["A", "B"]), .categorical("outcome", ["no", "yes"])],
                            source: .public, target: "outcome", sensitive: ["group"])
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let probes = try FairnessProbes(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, sensitive: "group", columns: ["outcome"])
        let regularizer = try FairnessRegularizer(probes: probes, lambda: 1, padding: tokenizer.padID)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 16, width: 16, layers: 1, heads: 2))
        model.initializeParameters(seed: 1)
        for i in model.parameters.indices { model.parameters[i] *= 8 }
        let (start, end) = TermGradientCheck.descend(model, steps: 200, rate: 0.01) { regularizer.addGradient(to: model) }
        XCTAssertLessThan(end, 0.1 * start, "from \(start)")
    }
}

extension FairnessRegularizerTests {
    /// Counterfactual contexts: made of the other columns only, each followed by every group; with
    /// them and with group-conditioned contexts (averaged members) the gradient stays exact.
    func testContextsLeaveOutTheSensitiveAndFairColumns() throws {
        let schema = Schema(columns: [.categorical("group", ["A", "B"]), .categorical("colour", ["red", "blue"]),
                                      .categorical("outcome", ["no", "yes"]), .categorical("size", ["S", "L"])],
                            source: .public, target: "outcome", sensitive: ["group"])
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let probes = try FairnessProbes(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, sensitive: "group", columns: ["outcome"])
        let regularizer = try FairnessRegularizer(probes: probes, lambda: 1, padding: tokenizer.padID)
        XCTAssertEqual(regularizer.promptCount, 4, "bare: 2 groups + 2 values")
        let rows: [Row] = (0..<6).map { i in
            [.category(i % 2 == 0 ? "A" : "B"), .category(i % 3 == 0 ? "red" : "blue"), .category("yes"), .category(i < 3 ? "S" : "L")]
        }
        let contexts = regularizer.contexts(from: rows, seed: 4)
        XCTAssertEqual(contexts.count, 6)
        for context in contexts {
            XCTAssertFalse(context.contains("group is") || context.contains("outcome is"), context)
            XCTAssertTrue(context.isEmpty || context.hasSuffix(", "), context)
        }
        XCTAssertTrue(contexts.contains { $0.contains("colour is") && $0.contains("size is") }, "some contexts have both other columns")
        // Group-conditioned contexts: each group's distribution is the mean over its contexts.
        try regularizer.useContexts(["colour is red, size is L, ", "size is S, "],
                                    groupContexts: [[["group is A, colour is red, "], ["group is B, size is L, ", "group is B, "]]])
        XCTAssertEqual(regularizer.promptCount, 15, "(bare + 2 contexts) × (2 groups + 2 values) + 3 group-conditioned")

        let model = GPT2<Double>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 24, width: 8, layers: 2, heads: 2))
        model.initializeParameters(seed: 6)
        for i in model.parameters.indices { model.parameters[i] *= 4 }
        model.zeroGradients()
        XCTAssertGreaterThan(regularizer.addGradient(to: model), 1e-5)
        TermGradientCheck.compare(model, samples: 20, seed: 9) { regularizer.addGradient(to: model) }
    }
}
