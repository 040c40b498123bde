@testable import TablmCore
import XCTest

final class RepresentationIndependenceTests: XCTestCase {
    /// The measure in kernel form, computed independently: with K = XXᵀ, L = SSᵀ and the centring
    /// matrix C = I − 11ᵀ/n, tr(KCLC) / (tr(K) · √tr(CLCCLC)) (Gretton et al. 2005's HSIC up to
    /// (n − 1)², over the uncentred kernel's trace and L's own centred norm).
    private func reference(_ x: [[Double]], groups: [Int], groupCount: Int) -> Double {
        let n = x.count
        func gram(_ rows: [[Double]]) -> [[Double]] { rows.map { a in rows.map { b in zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } } } }
        func multiply(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
            (0..<n).map { i in (0..<n).map { j in (0..<n).reduce(0) { $0 + a[i][$1] * b[$1][j] } } }
        }
        func trace(_ a: [[Double]]) -> Double { (0..<n).reduce(0) { $0 + a[$1][$1] } }
        let centring = (0..<n).map { i in (0..<n).map { j in (i == j ? 1 : 0) - 1 / Double(n) } }
        let k = gram(x), l = gram(groups.map { g in (0..<groupCount).map { $0 == g ? 1.0 : 0 } })
        let lc = multiply(multiply(centring, l), centring)
        return trace(multiply(multiply(k, centring), multiply(l, centring))) / (trace(k) * trace(multiply(lc, lc)).squareRoot())
    }

    func testDependenceMatchesTheKernelFormAndItsLimits() {
        var generator = SplitMix64(seed: 3)
        let groups = [0, 1, 2, 0, 1, 2, 0, 1, 2, 1]
        let x = (0..<10).map { i in (0..<5).map { j in Double.random(in: -1...1, using: &generator) + (j == 0 ? Double(groups[i]) : 0) } }
        let value = RepresentationIndependence.dependence(x, groups: groups, groupCount: 3).value
        XCTAssertEqual(value, reference(x, groups: groups, groupCount: 3), accuracy: 1e-12)
        XCTAssertGreaterThan(value, 0.05)
        // Scale-free; 0 when every group has the same mean; 1 when the states are the centred one-hot groups.
        XCTAssertEqual(RepresentationIndependence.dependence(x.map { $0.map { 7 * $0 } }, groups: groups, groupCount: 3).value, value, accuracy: 1e-12)
        let pairs = [0, 1, 0, 1], same = [[1.0, 2], [1, 2], [3, -1], [3, -1]]
        XCTAssertEqual(RepresentationIndependence.dependence(same, groups: pairs, groupCount: 2).value, 0, accuracy: 1e-12)
        XCTAssertEqual(RepresentationIndependence.dependence([[1, 0], [-1, 0]], groups: [0, 1], groupCount: 2).value, 1, accuracy: 1e-12)
        // Two prompts that differ a little: small, where linear CKA would say 1.
        XCTAssertLessThan(RepresentationIndependence.dependence([[1, 0.01], [1, -0.01]], groups: [0, 1], groupCount: 2).value, 1e-3)
    }

    func testDependenceGradientMatchesFiniteDifferences() {
        var generator = SplitMix64(seed: 4)
        let groups = [0, 1, 0, 1, 0, 1, 1]
        var x = (0..<7).map { i in (0..<4).map { _ in Double.random(in: -1...1, using: &generator) + 0.5 * Double(groups[i]) } }
        let analytic = RepresentationIndependence.dependence(x, groups: groups, groupCount: 2).gradient
        let h = 1e-6
        for i in 0..<7 {
            for j in 0..<4 {
                let saved = x[i][j]
                x[i][j] = saved + h
                let up = RepresentationIndependence.dependence(x, groups: groups, groupCount: 2).value
                x[i][j] = saved - h
                let down = RepresentationIndependence.dependence(x, groups: groups, groupCount: 2).value
                x[i][j] = saved
                XCTAssertEqual(analytic[i][j], (up - down) / (2 * h), accuracy: 1e-8, "[\(i)][\(j)]")
            }
        }
    }

    private func setUp(layers: Int = 2, width: Int = 8) throws -> (RepresentationIndependence, GPT2<Double>) {
        let schema = Schema(columns: [.categorical("group", ["A", "B"]), .categorical("colour", ["red", "blue"]), .integer("age", min: 0, max: 99),
                                      .categorical("outcome", ["no", "yes"])], source: .public, target: "outcome", sensitive: ["group"])
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let probes = try FairnessProbes(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, sensitive: "group", columns: ["outcome"])
        let term = try RepresentationIndependence(probes: probes, lambda: 2, padding: tokenizer.padID)
        let model = GPT2<Double>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 40, width: width, layers: layers, heads: 2))
        model.initializeParameters(seed: 5)
        for i in model.parameters.indices { model.parameters[i] *= 4 }
        return (term, model)
    }

    /// Prompts: each column other than S (the numeric one too) after every group; contexts from
    /// generated rows add `columnsPerContext` columns each, never holding S or the probed column.
    /// The parameter gradient (forward, hidden states, dependence, backward from the hidden states) matches
    /// central differences in float64.
    func testPromptsAndParameterGradient() throws {
        let (term, model) = try setUp()
        XCTAssertEqual(term.promptCount, 6, "3 columns × 2 groups")
        try term.useRows([[.category("A"), .category("red"), .number(30), .category("yes")],
                          [.category("B"), .category("blue"), .number(60), .category("no")]], seed: 1)
        XCTAssertEqual(term.promptCount, 6 + 2 * 2 * 2, "+ 2 rows × 2 columns × 2 groups")
        model.zeroGradients()
        XCTAssertGreaterThan(term.addGradient(to: model), 1e-4)
        let moving = TermGradientCheck.compare(model, samples: 30, seed: 8) { term.addGradient(to: model) }
        XCTAssertGreaterThan(moving, 10, "most sampled parameters move the term")
    }

    /// Gradient descent on the term alone makes the states independent of the group.
    func testDescentRemovesTheDependence() throws {
        let (term, model) = try setUp(layers: 1, width: 16)
        let (start, end) = TermGradientCheck.descend(model, steps: 150, rate: 0.05) { term.addGradient(to: model) }
        XCTAssertLessThan(end, 0.1 * start, "from \(start)")
    }
}
