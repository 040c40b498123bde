@testable import TablmCore
import Foundation
import XCTest

/// `FairnessCalibration` against closed forms. When every row of a group has the same logits z_g
/// over the values, the model's P(v | g) is softmax(z_g / T), and the shift that makes a group's
/// draws follow a target t_g satisfies, for any two values, s(v) − s(w) = T·log(t_g(v) / t_g(w)) −
/// (z_g(v) − z_g(w)): no fitting is needed to know it.
final class FairnessMaskTests: XCTestCase {
    /// A mask over `groups` groups and `values` values of one fair column, its shifts zero.
    private func mask(groups: Int, values: Int, strength: Double) -> FairnessMask {
        let schema = schema(groups: groups, values: values)
        return try! FairnessMask(probes: probes(schema), strength: strength, schema: schema)
    }

    /// A two-column schema: s with `groups` categories, y with `values`.
    private func schema(groups: Int, values: Int) -> Schema {
        Schema(columns: [.categorical("s", (0..<groups).map { "g\($0)" }), .categorical("y", (0..<values).map { "v\($0)" })],
               source: .public, target: "y", sensitive: ["s"])
    }

    /// Probes on `schema`, for their token lists.
    private func probes(_ schema: Schema) throws -> FairnessProbes {
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        return try FairnessProbes(serializer: RowSerializer(schema: schema), tokenizer: tokenizer, sensitive: "s", columns: ["y"])
    }

    private func logits(_ p: [Double], temperature: Double = 1) -> [Float] { p.map { Float(temperature * log($0)) } }

    /// Three groups of 200, 300 and 500 rows with P(v | g) = p[g]: the pooled distribution, the
    /// group shares and, at strengths 1 and 0.4, each group's shifts in closed form.
    func testShiftsOfHomogeneousGroupsInClosedForm() throws {
        let p = [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]], counts = [200, 300, 500]
        let temperature = 0.7
        let observations = (0..<3).flatMap { g in
            (0..<counts[g]).map { _ in FairnessObservation(position: .value(column: 0, group: g), logits: logits(p[g], temperature: temperature)) }
        }
        let shares = counts.map { Double($0) / 1000 }
        let pooled = (0..<3).map { v in (0..<3).reduce(0.0) { $0 + shares[$1] * p[$1][v] } }
        for strength in [1.0, 0.4] {
            var fitted = mask(groups: 3, values: 3, strength: strength)
            FairnessCalibration.calibrate(&fitted, observations: observations, temperature: temperature)
            for g in 0..<3 {
                // The logits are Float: log p is known to about 1e-7.
                XCTAssertEqual(fitted.groupShares[g], shares[g], accuracy: 1e-12)
                for v in 0..<3 {
                    XCTAssertEqual(fitted.columns[0].pooled[v], pooled[v], accuracy: 1e-6)
                    XCTAssertEqual(fitted.columns[0].conditional[g][v], p[g][v], accuracy: 1e-6)
                }
                let target = (0..<3).map { (1 - strength) * p[g][$0] + strength * pooled[$0] }
                let shift = fitted.columns[0].logitShift[g]
                for v in 1..<3 {
                    let expected = temperature * log(target[v] / target[0]) - temperature * log(p[g][v] / p[g][0])
                    XCTAssertEqual(Double(shift[v] - shift[0]), expected, accuracy: 1e-5, "group \(g), value \(v), strength \(strength)")
                }
            }
        }
    }

    /// Rows of a group with different logits (other columns before the fair one differ): the fitted
    /// shift makes the mean of softmax((z + s)/T) over the group's rows equal its target, and the
    /// targets mix back, at the group shares, to the pooled distribution.
    func testMeanOfShiftedSoftmaxMeetsTheTarget() throws {
        var generator = SplitMix64(seed: 7)
        var observations: [FairnessObservation] = []
        for index in 0..<600 {
            let group = index % 3 == 0 ? 0 : 1
            let z: [Float] = [0, Float(group == 0 ? 1.5 : -1) + Float(GaussianSampler<SplitMix64>.single(using: &generator))]
            observations.append(FairnessObservation(position: .value(column: 0, group: group), logits: z))
        }
        var fitted = mask(groups: 2, values: 2, strength: 1)
        FairnessCalibration.calibrate(&fitted, observations: observations, temperature: 1)
        let column = fitted.columns[0]
        for g in 0..<2 {
            let rows = observations.filter { $0.position == .value(column: 0, group: g) }
            var mean = [0.0, 0.0]
            for row in rows {
                let shifted = zip(row.logits, column.logitShift[g]).map { Double($0 + $1) }
                let top = shifted.max()!, e = shifted.map { exp($0 - top) }
                for v in 0..<2 { mean[v] += e[v] / e.reduce(0, +) / Double(rows.count) }
            }
            XCTAssertEqual(mean[1], column.pooled[1], accuracy: 1e-5, "group \(g) reaches the pooled rate")
        }
        XCTAssertGreaterThan(column.conditional[0][1] - column.conditional[1][1], 0.4, "the model had a gap to remove")
        let mixed = (0..<2).reduce(0.0) { $0 + fitted.groupShares[$1] * column.conditional[$1][1] }
        XCTAssertEqual(mixed, column.pooled[1], accuracy: 1e-12, "the pooled rate is the groups' mixture")
    }

    /// Rows that write the fair value first: the group drawn after value v gets shifts that make
    /// P(g | v) the target joint's, share(g)·t_g(v) / Σ share·t(v); with logits log P(g | v) the
    /// same for every row of v, they too are known in closed form.
    func testGroupShiftsWhenTheValueComesFirst() throws {
        // The model's joint q(g, v): P(v) = [0.7, 0.3]; P(g | v = 0) = [0.2, 0.8], P(g | v = 1) = [0.6, 0.4].
        let pValue = [0.7, 0.3], pGroup = [[0.2, 0.8], [0.6, 0.4]]
        var observations: [FairnessObservation] = []
        for v in 0..<2 {
            for _ in 0..<Int(pValue[v] * 1000) { observations.append(FairnessObservation(position: .group(values: [v]), logits: logits(pGroup[v]))) }
        }
        var fitted = mask(groups: 2, values: 2, strength: 1)
        FairnessCalibration.calibrate(&fitted, observations: observations, temperature: 1)
        let joint = (0..<2).map { g in (0..<2).map { v in pValue[v] * pGroup[v][g] } }
        let share = joint.map { $0.reduce(0, +) }
        XCTAssertEqual(fitted.groupShares[0], share[0], accuracy: 1e-6)
        // At parity the target joint is share(g)·P(v), so P(g | v) = share(g) for every v.
        for v in 0..<2 {
            let shift = fitted.columns[0].groupShift[v]
            let expected = log(share[1] / share[0]) - log(pGroup[v][1] / pGroup[v][0])
            XCTAssertEqual(Double(shift[1] - shift[0]), expected, accuracy: 1e-5, "value \(v)")
        }
    }

    /// `--match-prior`: with reference rates r(v | g) (the prior's), strength t targets
    /// (1 − t)·r_g + t·Σ q(g)·r_g, q the model's group shares, and even strength 0 shifts the model:
    /// s(v) − s(w) = T·log(target(v) / target(w)) − T·log(p_g(v) / p_g(w)) for homogeneous groups.
    func testReferenceRatesAreTheTargetsInClosedForm() throws {
        let p = [[0.95, 0.05], [0.7, 0.3]], r = [[0.89, 0.11], [0.69, 0.31]], counts = [330, 670]
        let observations = (0..<2).flatMap { g in
            (0..<counts[g]).map { _ in FairnessObservation(position: .value(column: 0, group: g), logits: logits(p[g])) }
        }
        let q = counts.map { Double($0) / 1000 }
        let pooled = (0..<2).map { v in q[0] * r[0][v] + q[1] * r[1][v] }
        for strength in [0.0, 1.0] {
            var fitted = mask(groups: 2, values: 2, strength: strength)
            FairnessCalibration.calibrate(&fitted, observations: observations, temperature: 1, reference: [r])
            for g in 0..<2 {
                let target = (0..<2).map { (1 - strength) * r[g][$0] + strength * pooled[$0] }
                XCTAssertEqual(fitted.columns[0].target[g][1], target[1], accuracy: 1e-12)
                let shift = fitted.columns[0].logitShift[g]
                let expected = log(target[1] / target[0]) - log(p[g][1] / p[g][0])
                XCTAssertEqual(Double(shift[1] - shift[0]), expected, accuracy: 1e-5, "group \(g), strength \(strength)")
            }
        }
    }

    /// The prior's released joint of (s, y) becomes the reference P(y | s) of the mask's column;
    /// a joint of other columns, or of the wrong size, gives none.
    func testPriorRatesComeFromTheReleasedJoint() throws {
        let schema = schema(groups: 2, values: 2)
        let unshifted = try FairnessMask(probes: probes(schema), strength: 0, schema: schema)
        let joint = PriorRecord.ReleasedMarginal(columns: ["s", "y"], probabilities: [0.3, 0.1, 0.2, 0.4])
        let rates = try XCTUnwrap(GenerateRun.priorRates([joint], mask: unshifted, schema: schema))
        let expected = [[0.75, 0.25], [1.0 / 3, 2.0 / 3]]
        XCTAssertEqual(rates.count, 1)
        for g in 0..<2 { for v in 0..<2 { XCTAssertEqual(try XCTUnwrap(rates[0])[g][v], expected[g][v], accuracy: 1e-12) } }
        XCTAssertNil(GenerateRun.priorRates([.init(columns: ["y", "s"], probabilities: [0.3, 0.1, 0.2, 0.4])], mask: unshifted, schema: schema))
        XCTAssertNil(GenerateRun.priorRates([.init(columns: ["s", "y"], probabilities: [0.3, 0.1, 0.2, 0.4, 0.1, 0.1])], mask: unshifted, schema: schema))
        XCTAssertNil(GenerateRun.priorRates([], mask: unshifted, schema: schema))
    }

    /// What limits the pilot: the rarest group among rows that wrote the group first, or the rarest
    /// value among rows that wrote it first (3 of group 1 here).
    func testFewestObservationsCountsTheRarestGroupOrValue() {
        let observations = Array(repeating: FairnessObservation(position: .value(column: 0, group: 0), logits: [0, 0]), count: 7)
            + Array(repeating: FairnessObservation(position: .value(column: 0, group: 1), logits: [0, 0]), count: 3)
            + Array(repeating: FairnessObservation(position: .group(values: [1]), logits: [0, 0]), count: 5)
        XCTAssertEqual(FairnessCalibration.fewestObservations(observations), 3)
        XCTAssertEqual(FairnessCalibration.fewestObservations(Array(observations.prefix(7))), 7)
        XCTAssertEqual(FairnessCalibration.fewestObservations([]), 0)
    }

    /// Strength 0 leaves the model as it is: every shift zero.
    func testStrengthZeroChangesNothing() {
        let observations = [FairnessObservation(position: .value(column: 0, group: 0), logits: [0, 2]),
                            FairnessObservation(position: .value(column: 0, group: 1), logits: [1, -1]),
                            FairnessObservation(position: .group(values: [1]), logits: [0.5, 0])]
        var fitted = mask(groups: 2, values: 2, strength: 0)
        FairnessCalibration.calibrate(&fitted, observations: observations, temperature: 1)
        for row in fitted.columns[0].logitShift + fitted.columns[0].groupShift { for shift in row { XCTAssertEqual(shift, 0, accuracy: 1e-6) } }
    }

    /// Drawing with logits log P(v | g) plus the fitted shifts gives, for each group, the pooled
    /// distribution: 40,000 draws per group, chi-square with 2 degrees of freedom below the p = 0.001
    /// point 13.82 (the sampler's own draw, not the calibration's arithmetic).
    func testShiftedDrawsFollowThePooledDistribution() throws {
        let p = [[0.9, 0.1, 0.0001], [0.5, 0.3, 0.2]], counts = [250, 750]
        let observations = (0..<2).flatMap { g in (0..<counts[g]).map { _ in FairnessObservation(position: .value(column: 0, group: g), logits: logits(p[g])) } }
        var fitted = mask(groups: 2, values: 3, strength: 1)
        FairnessCalibration.calibrate(&fitted, observations: observations, temperature: 1)
        let schema = Schema(columns: [.categorical("a", ["x", "y", "z"])], source: .public)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 8, width: 8, layers: 1, heads: 2))
        let sampler = RowSampler(model: model, tokenizer: tokenizer, serializer: RowSerializer(schema: schema))
        let pooled = fitted.columns[0].pooled
        for g in 0..<2 {
            let z = logits(p[g]), shift = fitted.columns[0].logitShift[g]
            var generator = SplitMix64(seed: UInt64(g + 1))
            var scratch = [Float](repeating: 0, count: 3)
            var drawn = [0, 0, 0]
            let draws = 40_000
            for _ in 0..<draws {
                let token = z.withUnsafeBufferPointer {
                    sampler.draw(logits: $0, allowed: nil, settings: SamplingSettings(), scratch: &scratch, generator: &generator, shift: { shift[Int($0)] })
                }
                drawn[Int(token)] += 1
            }
            let chiSquare = (0..<3).reduce(0.0) { sum, v in
                let expected = Double(draws) * pooled[v]
                return sum + pow(Double(drawn[v]) - expected, 2) / expected
            }
            XCTAssertLessThan(chiSquare, 13.82, "group \(g): \(drawn) against \(pooled)")
        }
    }
}
