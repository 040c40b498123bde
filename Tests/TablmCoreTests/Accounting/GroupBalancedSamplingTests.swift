@testable import TablmCore
import XCTest

final class GroupBalancedSamplingTests: XCTestCase {
    /// q_g = B / (G·n_g), capped at boost·B/Σn and 1, worked by hand.
    func testRatesByHand() {
        // B = 40, counts 100 and 300: uniform 0.1; 40/200 = 0.2 and 40/600 = 0.0667; 20 rows from each.
        let even = GroupBalancedSampling.rates(counts: [100, 300], expectedBatchSize: 40, maxBoost: 4)
        XCTAssertEqual(even[0], 0.2, accuracy: 1e-12)
        XCTAssertEqual(even[1], 40.0 / 600, accuracy: 1e-12)
        // Counts 5 and 395: 40/10 = 4 is capped at 4 × 0.1 = 0.4 (2 rows a step), the other 40/790.
        let capped = GroupBalancedSampling.rates(counts: [5, 395], expectedBatchSize: 40, maxBoost: 4)
        XCTAssertEqual(capped[0], 0.4, accuracy: 1e-12)
        XCTAssertEqual(capped[1], 40.0 / 790, accuracy: 1e-12)
        // A boost large enough leaves the cap at 1; a noisy count ≤ 0 counts as 1 row.
        let full = GroupBalancedSampling.rates(counts: [-3, 399], expectedBatchSize: 40, maxBoost: 1000)
        XCTAssertEqual(full, [1, 40.0 / 798])
        let balance = GroupBalancedSampling(column: "g", columnIndex: 0, groups: ["a", "b"], noisyCounts: [5, 395], countNoise: 1,
                                            expectedBatchSize: 40, maxBoost: 4)
        XCTAssertEqual(balance.maxRate, 0.4, accuracy: 1e-12)
        XCTAssertEqual(balance.expectedBatchSize, 0.4 * 5 + 40.0 / 790 * 395, accuracy: 1e-9)   // 2 + 20
    }

    /// Groups come from the schema (categories, then missing); counts are exact up to the noise, and
    /// the noise has the stated standard deviation.
    func testReleaseUsesSchemaGroupsAndGaussianNoise() throws {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"], allowsMissing: true)],
                            source: .public)
        let rows: [Row] = Array(repeating: [.number(30), .category("Female")], count: 3) + Array(repeating: [.number(40), .category("Male")], count: 5)
            + Array(repeating: [.number(50), .missing], count: 2)
        var noise = GaussianSampler(generator: ChaCha20Generator(insecureSeed: 7))
        let exact = try GroupBalancedSampling.release(rows: rows, schema: schema, column: "sex", countNoise: 1e-9, expectedBatchSize: 4,
                                                      maxBoost: 4, noise: &noise)
        XCTAssertEqual(exact.groups, ["Female", "Male", ""])
        XCTAssertEqual(exact.columnIndex, 1)
        for (count, expected) in zip(exact.noisyCounts, [3.0, 5, 2]) { XCTAssertEqual(count, expected, accuracy: 1e-6) }
        XCTAssertEqual(exact.rowRates(rows), [Double](repeating: exact.rates[0], count: 3) + [Double](repeating: exact.rates[1], count: 5)
            + [Double](repeating: exact.rates[2], count: 2))
        XCTAssertEqual(exact.countRelease, PrivacyEvent(noiseMultiplier: 1e-9, sampleRate: 1, steps: 1))

        let errors = try (0..<2000).flatMap { _ in
            try GroupBalancedSampling.release(rows: rows, schema: schema, column: "sex", countNoise: 10, expectedBatchSize: 4, maxBoost: 4,
                                              noise: &noise).noisyCounts.enumerated().map { $0.element - [3.0, 5, 2][$0.offset] }
        }
        let mean = errors.reduce(0, +) / Double(errors.count)
        let sd = (errors.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(errors.count - 1)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.5)     // sd of the mean ≈ 0.13
        XCTAssertEqual(sd, 10, accuracy: 0.4)      // sd of the estimate ≈ 0.09

        XCTAssertThrowsError(try GroupBalancedSampling.release(rows: rows, schema: schema, column: "age", countNoise: 1, expectedBatchSize: 4,
                                                               maxBoost: 4, noise: &noise)) { error in
            XCTAssertTrue("\(error)".contains("'age' is not a categorical column"), "\(error)")
        }
        XCTAssertThrowsError(try GroupBalancedSampling.release(rows: rows, schema: schema, column: "race", countNoise: 1, expectedBatchSize: 4,
                                                               maxBoost: 4, noise: &noise))
    }

    /// The ε of a balanced run (count release, then every step at the largest rate) is Google's
    /// dp_accounting's for the same composition (Tests/Fixtures/make_accountant_values.py): RDP to 1e-6,
    /// PLD never below and at most 1 % above. It is more than the same run at the uniform rate would
    /// claim, and more than the steps alone.
    func testAccountantChargesCountsAndLargestRate() throws {
        let points = try AccountantFixture.loadComposed()
        XCTAssertGreaterThanOrEqual(points.count, 2)
        for point in points {
            let rdp = RDPAccountant.epsilon(history: point.history, delta: point.delta, orders: AccountantFixture.orders)
            XCTAssertEqual(rdp, point.epsilon, accuracy: point.epsilon * 1e-6, point.label)
            var accountant = PrivacyAccountant(method: .pld)
            point.history.forEach { accountant.record($0) }
            let pld = accountant.epsilon(delta: point.delta)
            XCTAssertGreaterThanOrEqual(pld, point.pld_epsilon * (1 - 1e-9), point.label)
            XCTAssertLessThanOrEqual(pld, point.pld_epsilon * 1.01, point.label)
            let stepsOnly = PLDAccountant.epsilon(history: [point.history[1]], delta: point.delta)
            var uniform = point.history
            guard case .sampledGaussian(let sigma, let rate, let steps) = uniform[1] else { return XCTFail("the steps are a sampled Gaussian") }
            uniform[1] = .sampledGaussian(noiseMultiplier: sigma, sampleRate: rate / 1.5, steps: steps)
            XCTAssertGreaterThan(pld, stepsOnly, point.label)
            XCTAssertGreaterThan(pld, PLDAccountant.epsilon(history: uniform, delta: point.delta), point.label)
        }
    }

    /// Calibration with the count release as a prior: the σ found reaches the target with it, and is
    /// larger than the σ the steps alone would need.
    func testCalibrationIncludesThePrior() throws {
        let prior = [PrivacyEvent(noiseMultiplier: 10, sampleRate: 1, steps: 1)]
        let sigma = try XCTUnwrap(PrivacyAccountant.calibrate(targetEpsilon: 1, delta: 1e-5, sampleRate: 0.0119, steps: 300, method: .rdp, prior: prior))
        let alone = try XCTUnwrap(PrivacyAccountant.calibrate(targetEpsilon: 1, delta: 1e-5, sampleRate: 0.0119, steps: 300, method: .rdp))
        XCTAssertGreaterThan(sigma, alone)
        let spent = RDPAccountant.epsilon(history: prior + [.init(noiseMultiplier: sigma, sampleRate: 0.0119, steps: 300)], delta: 1e-5)
        XCTAssertLessThanOrEqual(spent, 1)
        XCTAssertGreaterThan(spent, 0.99)
        XCTAssertNil(PrivacyAccountant.calibrate(targetEpsilon: 0.1, delta: 1e-5, sampleRate: 0.0119, steps: 300, method: .rdp,
                                                 prior: [.init(noiseMultiplier: 1, sampleRate: 1, steps: 1)]), "the release alone costs more than 0.1")
    }
}
