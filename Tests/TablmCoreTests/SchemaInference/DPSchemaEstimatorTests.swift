@testable import TablmCore
import XCTest

final class DPSchemaEstimatorTests: XCTestCase {
    private func random(_ seed: UInt64) -> GaussianSampler<ChaCha20Generator> { GaussianSampler(generator: ChaCha20Generator(insecureSeed: seed)) }

    /// Laplace(b) has mean 0 and variance 2b².
    func testLaplaceNoise() {
        var sampler = random(1)
        let draws = (0..<100_000).map { _ in DPSchemaEstimator.laplace(scale: 2, random: &sampler) }
        let mean = draws.reduce(0, +) / Double(draws.count)
        let variance = draws.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(draws.count)
        XCTAssertEqual(mean, 0, accuracy: 0.05)
        XCTAssertEqual(variance, 8, accuracy: 0.3)
    }

    /// τ = 1 + ln(1/(2δ))/ε ≈ 14.1 at ε = 1, δ = 1e-6: counts far above it are kept, a single row is not.
    func testPartitionSelectionKeepsCommonValuesAndDropsRareOnes() {
        for seed in UInt64(0)..<20 {
            var sampler = random(seed)
            XCTAssertTrue(DPSchemaEstimator.keep(count: 500, epsilon: 1, delta: 1e-6, random: &sampler))
            XCTAssertFalse(DPSchemaEstimator.keep(count: 1, epsilon: 1, delta: 1e-6, random: &sampler))
            XCTAssertFalse(DPSchemaEstimator.keep(count: 0, epsilon: 1, delta: 1e-6, random: &sampler))
        }
    }

    /// The warning's claim: a value one row holds is kept with probability δ (the Laplace tail past
    /// ln(1/(2δ))/ε, whatever ε), counted over draws; a δ of 1e-4 or more is warned about, the default not.
    func testASingleRowsValueIsKeptWithProbabilityDelta() {
        var sampler = random(7)
        for (epsilon, delta) in [(1.0, 0.01), (0.1, 0.05)] {
            let draws = 40_000
            let kept = (0..<draws).filter { _ in DPSchemaEstimator.keep(count: 1, epsilon: epsilon, delta: delta, random: &sampler) }.count
            let share = Double(kept) / Double(draws), spread = 4 * (delta * (1 - delta) / Double(draws)).squareRoot()
            XCTAssertEqual(share, delta, accuracy: spread, "ε = \(epsilon), δ = \(delta)")
        }
        XCTAssertNil(DPSchemaEstimator.deltaWarning(delta: 1e-6))
        XCTAssertNil(DPSchemaEstimator.deltaWarning(delta: 9e-5))
        XCTAssertEqual(DPSchemaEstimator.deltaWarning(delta: 0.99)?.contains("fewer than 2 rows"), true)
        XCTAssertEqual(DPSchemaEstimator.deltaWarning(delta: 1e-4)?.contains("fewer than 10000 rows"), true)
    }

    func testQuantilesLandNearTheTruth() {
        let values = (0..<10_000).map { Double($0 % 101) }.sorted()
        for seed in UInt64(0)..<10 {
            var sampler = random(seed)
            let low = DPSchemaEstimator.quantile(values, 0.01, lower: 0, upper: 1000, epsilon: 1, random: &sampler)
            let high = DPSchemaEstimator.quantile(values, 0.99, lower: 0, upper: 1000, epsilon: 1, random: &sampler)
            XCTAssertEqual(low, 1, accuracy: 2)
            XCTAssertEqual(high, 99, accuracy: 2)
        }
    }

    /// A value a schema cannot list (a line break) made the estimate fail after every release, naming
    /// the output; now it is no candidate, as a value not selected, and the rest is estimated.
    func testAValueASchemaCannotListIsNoCandidate() throws {
        let file = try Fixtures.scratchFolder(self).appendingPathComponent("t.csv")
        try ("a,b\n" + (0..<2000).map { $0 % 2 == 0 ? "\"x\ny\",\($0 % 3)\n" : "z,\($0 % 3)\n" }.joined()).write(to: file, atomically: true, encoding: .utf8)
        let schema = try DPSchemaEstimator.estimate(csvPath: file.path, numeric: [], epsilon: 4, delta: 1e-6, target: nil, sensitive: [],
                                                    generator: ChaCha20Generator(insecureSeed: 1))
        XCTAssertEqual(schema.columns[0].categories, ["z"])
        XCTAssertEqual(schema.columns[1].categories, ["0", "1", "2"])
        let saved = try Fixtures.scratchFolder(self).appendingPathComponent("s.json").path
        try SchemaFile.save(schema, to: saved)
        XCTAssertEqual(try TableData.read(path: file.path, schema: schema).rows.count, 2000, "the rows holding it read as missing")
    }

    func testGermanCreditUnderDP() throws {
        let path = try Fixtures.bundledData("german_credit.csv")
        let truth = try SchemaInference.infer(csvPath: path).schema
        let numeric = try ["duration=0..120", "credit_amount=0..100000", "age=18..100"].map(DPSchemaEstimator.NumericDeclaration.parse)
        let schema = try DPSchemaEstimator.estimate(csvPath: path, numeric: numeric, epsilon: 20, delta: 1e-6, target: "credit",
                                                    sensitive: ["sex"], generator: ChaCha20Generator(insecureSeed: 3))
        XCTAssertEqual(schema.source, .dp)
        XCTAssertEqual(schema.privacyCost, PrivacyCost(epsilon: 20, delta: 1e-6))
        XCTAssertEqual(schema.columnNames, truth.columnNames)
        for (estimated, real) in zip(schema.columns, truth.columns) {
            if let categories = estimated.categories {
                XCTAssertTrue(Set(categories).isSubset(of: Set(real.categories!)), "only values that occur: \(estimated.name)")
                XCTAssertFalse(categories.isEmpty)
            } else {
                XCTAssertGreaterThanOrEqual(estimated.min!, numeric.first { $0.column == estimated.name }!.lower)
                XCTAssertLessThan(estimated.min!, estimated.max!)
            }
        }
        let age = schema.columns.first { $0.name == "age" }!
        // True 1 % and 99 % quantiles are about 21 and 67; each quantile gets ε = 20/22/3 ≈ 0.3 here.
        XCTAssertEqual(age.min!, 21, accuracy: 6)
        XCTAssertEqual(age.max!, 67, accuracy: 10)
        XCTAssertTrue(schema.columns.first { $0.name == "sex" }!.categories == ["female", "male"])
        XCTAssertTrue(schema.columns.filter { $0.kind == .categorical }.allSatisfy(\.allowsMissing), "unselected values become missing")
        // Saved and loaded like any schema; training rows are fitted to it, none lost.
        let file = try Fixtures.scratchFolder(self).appendingPathComponent("s.json").path
        try SchemaFile.save(schema, to: file)
        XCTAssertEqual(try SchemaFile.load(path: file), schema)
        let table = try TableData.read(path: path, schema: schema)
        XCTAssertEqual(table.rows.count, 1000)
        let ageIndex = schema.index(of: "age")!
        XCTAssertTrue(table.rows.allSatisfy { if case .number(let v) = $0[ageIndex] { return age.unitRange.contains(v) }; return false })
    }
}
