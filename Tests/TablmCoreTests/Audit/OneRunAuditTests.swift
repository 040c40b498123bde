import Foundation
import TablmCore
import XCTest

/// The one-run audit's statistics against an independent reference: the p-value and ε bound of
/// Steinke, Nasr & Jagielski (2023, Appendix D) computed with scipy 1.17.1 (`scipy.stats.binom`,
/// bisection to 60 steps), a closed form, and the bound's validity when the scores carry no signal.
final class OneRunAuditTests: XCTestCase {
    func testPValueMatchesTheScipyReference() {
        let cases: [(m: Int, r: Int, v: Int, delta: Double, expected: Double)] = [
            (1000, 100, 90, 1e-5, 0.0008412885614385305),
            (1000, 200, 150, 1e-5, 0.3044225124350048),
            (10000, 500, 400, 1e-5, 0.004067808279660848),
            (1000, 100, 60, 0, 0.998443141896657),
            (1000, 100, 100, 0, 2.4843785557240162e-14),
        ]
        for c in cases {
            let p = OneRunAudit.pValue(canaries: c.m, guesses: c.r, correct: c.v, epsilon: 1, delta: c.delta)
            XCTAssertEqual(p, c.expected, accuracy: c.expected * 1e-9, "\(c)")
        }
    }

    func testLowerBoundMatchesTheReferenceAndTheClosedForm() {
        let cases: [(m: Int, r: Int, v: Int, delta: Double, expected: Double)] = [
            (1000, 100, 100, 0, 3.4929654311522937),
            (1000, 100, 90, 1e-5, 1.6261434806957262),
            (1000, 200, 150, 1e-5, 0.8199729121699937),
            (10000, 500, 400, 1e-5, 1.191670486617089),
            (200, 20, 20, 1e-5, 1.8164727965498562),
            (1000, 100, 50, 1e-5, 0),
        ]
        for c in cases {
            XCTAssertEqual(OneRunAudit.epsilonLowerBound(canaries: c.m, guesses: c.r, correct: c.v, delta: c.delta), c.expected,
                           accuracy: 1e-9, "\(c)")
        }
        // All r guesses right with δ = 0: the bound solves q^r = 0.05 for q = e^ε / (1 + e^ε).
        for r in [10, 64, 300] {
            let q = pow(0.05, 1 / Double(r))
            XCTAssertEqual(OneRunAudit.epsilonLowerBound(canaries: 1000, guesses: r, correct: r, delta: 0), log(q / (1 - q)), accuracy: 1e-9)
        }
    }

    /// Scores that ignore membership give a bound above 0 in at most 5 % of audits (Bonferroni over
    /// the guess counts keeps the best of them valid); scores that separate perfectly give the
    /// closed-form bound of the largest guess count at the corrected confidence.
    func testTheBoundIsValidWithoutSignalAndTightWithIt() {
        var generator = SplitMix64(seed: 7)
        let m = 200, trials = 400
        var positive = 0
        for _ in 0..<trials {
            let included = (0..<m).map { _ in Bool.random(using: &generator) }
            let scores = (0..<m).map { _ in Double.random(in: 0..<1, using: &generator) }
            let outcomes = OneRunAudit.audit(scores: scores, included: included, guessCounts: OneRunAudit.defaultGuessCounts(canaries: m), delta: 1e-5)
            if outcomes.contains(where: { $0.epsilonLowerBound > 0 }) { positive += 1 }
        }
        // Binomial(400, 0.05) exceeds 32 with probability below 0.1 %.
        XCTAssertLessThanOrEqual(positive, 32, "\(positive) of \(trials) null audits claimed ε > 0")

        let included = (0..<1000).map { _ in Bool.random(using: &generator) }
        let scores = included.map { $0 ? 1.0 : 0.0 }.map { $0 + Double.random(in: 0..<0.5, using: &generator) }
        let counts = OneRunAudit.defaultGuessCounts(canaries: 1000)
        XCTAssertEqual(counts, [20, 50, 100, 200, 500])
        let best = OneRunAudit.audit(scores: scores, included: included, guessCounts: counts, delta: 0).last!
        let q = pow(0.05 / 5, 1.0 / 500)
        XCTAssertEqual(best.guesses, 500)
        XCTAssertEqual(best.correct, 500)
        XCTAssertEqual(best.epsilonLowerBound, log(q / (1 - q)), accuracy: 1e-9)
    }

    func testCanariesComeFromThePublicDomainWithFairCoins() throws {
        let schema = Schema(columns: [.integer("age", min: 17, max: 90), .real("rate", min: -1, max: 1, precision: 2),
                                      .categorical("sex", ["Female", "Male"])], source: .public)
        var generator = SplitMix64(seed: 3)
        let canaries = try AuditCanaries(schema: schema, count: 2000, generator: &generator)
        XCTAssertEqual(canaries.rows.count, 2000)
        for row in canaries.rows {
            guard case .number(let age) = row[0], case .number(let rate) = row[1], case .category(let sex) = row[2] else { return XCTFail("\(row)") }
            XCTAssertTrue((17...90).contains(age) && (-100...100).contains(rate) && ["Female", "Male"].contains(sex))
        }
        // Included with probability 1/2: within 4 standard deviations (√(2000/4) ≈ 22) of 1000.
        XCTAssertEqual(Double(canaries.includedRows.count), 1000, accuracy: 90)
        let ages = Set(canaries.rows.map { $0[0] })
        XCTAssertEqual(ages.count, 74, "every age of [17, 90] is drawn")
        var again = SplitMix64(seed: 3)
        XCTAssertEqual(try AuditCanaries(schema: schema, count: 2000, generator: &again).included, canaries.included, "seeded")
    }
}
