import Foundation
import TablmCore
import XCTest

final class ReportTests: XCTestCase {
    private func report() throws -> EvaluationReport {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["F", "M"]), .categorical("y", ["no", "yes"])],
                            source: .public)
        var generator = SplitMix64(seed: 4)
        func rows(_ count: Int, bias: Double) -> [Row] {
            (0..<count).map { _ in
                let female = Double.random(in: 0..<1, using: &generator) < 0.5
                let yes = Double.random(in: 0..<1, using: &generator) < (female ? 0.3 : 0.3 + bias)
                return [.number(Int64.random(in: 20...60, using: &generator)), .category(female ? "F" : "M"), .category(yes ? "yes" : "no")]
            }
        }
        return try Evaluation.run(schema: schema, train: rows(300, bias: 0.3), test: rows(200, bias: 0.3), synthetic: rows(300, bias: 0),
                                  syntheticTotal: 300, target: "y", sensitive: "sex", privacy: nil, comparedRows: 100)
    }

    /// The page is self-contained (nothing fetched: no src/href to other hosts, no scripts), has a
    /// chart per column, both heat maps and the fairness bars, and escapes what it prints.
    func testEvaluationPageIsSelfContained() throws {
        let page = EvaluationHTML.page(try report(), title: "a <b> & c")
        XCTAssertFalse(page.contains("<script"))
        XCTAssertFalse(page.contains("src="))
        XCTAssertFalse(page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))
        XCTAssertEqual(page.components(separatedBy: "<svg").count - 1, 3 + 2 + 1)
        XCTAssertTrue(page.contains("a &lt;b&gt; &amp; c"))
        XCTAssertTrue(page.contains("P(y = yes | sex)"))
    }

    /// Group rates in the report are the shares of positives per group, counted here directly.
    func testFairnessGroupsAreCountedRight() throws {
        let report = try report()
        let fairness = try XCTUnwrap(report.fairness)
        XCTAssertEqual(fairness.groups.map(\.group), ["F", "M"])
        XCTAssertEqual(fairness.realParityGap, abs(fairness.groups[0].realRate - fairness.groups[1].realRate), accuracy: 1e-12)
        XCTAssertEqual(fairness.groups[0].realShare + fairness.groups[1].realShare, 1, accuracy: 1e-12)
        XCTAssertGreaterThan(fairness.realParityGap, 0.15, "the training rows were drawn with a 0.3 gap")
        XCTAssertEqual(report.classifiers.map(\.name), ["logistic regression", "boosted trees"])
    }

    func testSweepCSV() {
        var ok = SweepResult(epsilon: 1, lambda: 0.5, folder: "a")
        ok.status = "ok"
        var failed = SweepResult(epsilon: .infinity, lambda: 0, folder: "b")
        failed.status = "failed: say \"no\""
        let lines = SweepResult.csv([ok, failed]).split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("epsilon,lambda,status,seconds,epsilon_spent,"))
        XCTAssertTrue(lines[1].hasPrefix("1,0.5,\"ok\",0,"))
        XCTAssertTrue(lines[2].hasPrefix("inf,0,\"failed: say \"\"no\"\"\",0,"))
        XCTAssertEqual(lines[2].split(separator: ",", omittingEmptySubsequences: false).count, lines[0].split(separator: ",").count)
        XCTAssertTrue(SweepReport.html([ok, failed], title: "t").contains("<svg"))
    }
}
