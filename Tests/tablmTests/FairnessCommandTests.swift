import Foundation
import XCTest

/// `generate --mask-fairness` on a table built with a strong dependence: group A has outcome yes
/// 90 % of the time, group B 10 %. A small model learns it; the mask removes at least 80 % of the
/// parity gap in the generated rows while the groups' own shares stay put.
final class FairnessCommandTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    /// P(outcome = yes | group = A) − P(yes | B) and the share of A, read from a generated CSV.
    private func parity(_ file: String) throws -> (gap: Double, shareA: Double) {
        let lines = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").dropFirst()
        let rows = lines.map { $0.split(separator: ",").map(String.init) }
        func yesShare(_ group: String) -> Double {
            let members = rows.filter { $0[0] == group }
            return Double(members.filter { $0[1] == "yes" }.count) / Double(max(members.count, 1))
        }
        return (yesShare("A") - yesShare("B"), Double(rows.filter { $0[0] == "A" }.count) / Double(rows.count))
    }

    private func writeBiasedTable() throws {
        var csv = "group,outcome\n"
        for i in 0..<400 {
            let group = i % 2 == 0 ? "A" : "B"
            let yes = group == "A" ? i % 20 != 0 : i % 20 == 1   // 90 % and 10 %
            csv += "\(group),\(yes ? "yes" : "no")\n"
        }
        try csv.write(to: folder.appendingPathComponent("biased.csv"), atomically: false, encoding: .utf8)
        let schema = """
        {"source": "public", "target": "outcome", "sensitive": ["group"], "columns": [
          {"name": "group", "kind": "categorical", "categories": ["A", "B"], "allows_missing": false},
          {"name": "outcome", "kind": "categorical", "categories": ["no", "yes"], "allows_missing": false}]}
        """
        try schema.write(to: folder.appendingPathComponent("s.json"), atomically: false, encoding: .utf8)
    }

    private func train(_ output: String, extra: [String] = []) throws {
        let trained = try run(["finetune", "--schema", "s.json", "--data", "biased.csv", "--steps", "400", "--lr", "1e-2",
                               "--layers", "1", "--width", "32", "--heads", "2", "--batch-size", "32", "--held-out", "0", "-o", output] + extra)
        XCTAssertEqual(trained.status, 0, trained.stderr)
    }

    func testMaskRemovesTheParityGap() throws {
        try writeBiasedTable()
        try train("ckpt")
        XCTAssertEqual(try run(["generate", "--checkpoint", "ckpt", "--rows", "2000", "-o", "plain.csv"]).status, 0)
        let masked = try run(["generate", "--checkpoint", "ckpt", "--rows", "2000", "--mask-fairness", "-o", "fair.csv"])
        XCTAssertEqual(masked.status, 0, masked.stderr)
        XCTAssertTrue(masked.stderr.contains("mask-fairness: outcome by group"), masked.stderr)
        let before = try parity("plain.csv"), after = try parity("fair.csv")
        XCTAssertGreaterThan(before.gap, 0.5, "the model learned the dependence")
        XCTAssertLessThan(abs(after.gap), 0.2 * before.gap, "at least 80 % of the gap removed: \(before.gap) -> \(after.gap)")
        XCTAssertEqual(after.shareA, before.shareA, accuracy: 0.06, "the sensitive column's own distribution barely moves")
    }

    /// Three groups (yes 90 %, 50 % and 10 % of the time, a third of the rows each), and a model
    /// trained in the group-first order (the mask shifts the outcome), or in random orders, so that
    /// half its rows write the outcome first (the mask shifts the group given the outcome). Either way
    /// the largest gap between two groups falls to at most a fifth and below 0.08 (3,000 rows: about
    /// three standard errors of a difference of two groups' rates), while the groups' shares and the
    /// outcome's rate stay within 0.04 of the unmasked rows'; at strength 0.5 half the gap is left.
    func testMaskWorksInAnyOrderWithThreeGroups() throws {
        var csv = "group,outcome\n"
        for i in 0..<600 {
            let group = ["A", "B", "C"][i % 3], k = (i / 3) % 10
            let yes = group == "A" ? k != 0 : group == "B" ? k < 5 : k == 0
            csv += "\(group),\(yes ? "yes" : "no")\n"
        }
        try csv.write(to: folder.appendingPathComponent("three.csv"), atomically: false, encoding: .utf8)
        let schema = """
        {"source": "public", "sensitive": ["group"], "columns": [
          {"name": "group", "kind": "categorical", "categories": ["A", "B", "C"], "allows_missing": false},
          {"name": "outcome", "kind": "categorical", "categories": ["no", "yes"], "allows_missing": false}]}
        """
        try schema.write(to: folder.appendingPathComponent("three.json"), atomically: false, encoding: .utf8)
        for (name, orders) in [("group-first", "schema"), ("random", "random")] {
            let trained = try run(["finetune", "--schema", "three.json", "--data", "three.csv", "--steps", "1000", "--lr", "1e-2", "--column-orders", orders,
                                   "--layers", "1", "--width", "32", "--heads", "2", "--batch-size", "32", "--held-out", "0", "-o", name])
            XCTAssertEqual(trained.status, 0, trained.stderr)
            let fair = ["--sensitive", "group", "--fair-columns", "outcome"]
            XCTAssertEqual(try run(["generate", "--checkpoint", name, "--rows", "3000", "-o", "\(name)-plain.csv"]).status, 0)
            for (strength, file) in [("1", "\(name)-fair.csv"), ("0.5", "\(name)-half.csv")] {
                let masked = try run(["generate", "--checkpoint", name, "--rows", "3000", "--mask-fairness", "--fairness-strength", strength, "-o", file] + fair)
                XCTAssertEqual(masked.status, 0, masked.stderr)
                // The report counts the rows as they are written (none is held): its gap after is the file's.
                let reported = try XCTUnwrap(masked.stderr.split(separator: "\n").last { $0.contains("largest gap between two groups") })
                let written = try XCTUnwrap(Double(reported.split(separator: " ").last ?? ""), String(reported))
                XCTAssertEqual(written, try rates(file).gap, accuracy: 0.0006, "\(name) at strength \(strength): \(reported)")
            }
            let before = try rates("\(name)-plain.csv"), after = try rates("\(name)-fair.csv"), half = try rates("\(name)-half.csv")
            XCTAssertGreaterThan(before.gap, 0.6, "\(name): the model learned the dependence")
            XCTAssertLessThan(after.gap, min(0.08, 0.2 * before.gap), "\(name): \(before.gap) -> \(after.gap)")
            XCTAssertEqual(half.gap, before.gap / 2, accuracy: 0.1, "\(name): strength 0.5 leaves half the gap")
            for g in 0..<3 { XCTAssertEqual(after.shares[g], before.shares[g], accuracy: 0.04, "\(name): group \(g)'s share") }
            XCTAssertEqual(after.yes, before.yes, accuracy: 0.04, "\(name): the outcome's rate")
        }
    }

    /// The largest difference of P(yes | group) between two of the groups A, B, C, their shares, and the rate of yes.
    private func rates(_ file: String) throws -> (gap: Double, shares: [Double], yes: Double) {
        let lines = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",").map(String.init) }
        let g = try XCTUnwrap(lines[0].firstIndex(of: "group")), o = try XCTUnwrap(lines[0].firstIndex(of: "outcome"))
        let rows = lines.dropFirst()
        let yesRates = ["A", "B", "C"].map { group -> Double in
            let members = rows.filter { $0[g] == group }
            return Double(members.filter { $0[o] == "yes" }.count) / Double(max(members.count, 1))
        }
        let shares = ["A", "B", "C"].map { group in Double(rows.filter { $0[g] == group }.count) / Double(rows.count) }
        return (yesRates.max()! - yesRates.min()!, shares, Double(rows.filter { $0[o] == "yes" }.count) / Double(rows.count))
    }

    /// The training term: same table, same steps, λ = 1. The issue asks for at least 40 % less
    /// parity gap; the two-direction probes give far more (0.76 → 0.02 measured), and the outcome's
    /// own share stays put.
    func testRegularizerShrinksTheParityGap() throws {
        try writeBiasedTable()
        try train("plain")
        try train("fair", extra: ["--fairness-lambda", "1"])
        for name in ["plain", "fair"] {
            let result = try run(["generate", "--checkpoint", name, "--rows", "2000", "-o", "\(name).csv"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let before = try parity("plain.csv"), after = try parity("fair.csv")
        XCTAssertGreaterThan(before.gap, 0.5)
        XCTAssertLessThan(abs(after.gap), 0.6 * before.gap, "\(before.gap) -> \(after.gap)")
        XCTAssertEqual(after.shareA, before.shareA, accuracy: 0.08)
        let refused = try run(["finetune", "--schema", "s.json", "--data", "biased.csv", "--sensitive", "group", "-o", "x"])
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("--sensitive needs --fairness-lambda or --representation-lambda or --balance-groups"), refused.stderr)
    }

    /// Private and fair at once, where the prior takes the whole budget (a small table): the term
    /// trains on the pseudo rows too (it acted only in DP-SGD, so the checkpoint was bit for bit
    /// the one without it), the record keeps it, `generate`'s default match to the prior's rates
    /// leaves its rows fair (it restored the table's gap, 0.72 → 0.87 / 0.42 on a probe's table),
    /// and `--resume` without the term is refused.
    func testTheTermActsUnderPrivacyAndStaysInTheRows() throws {
        try writeBiasedTable()
        let privately = ["--dp", "--epsilon", "2", "--insecure-seed", "3", "--prior-steps", "300", "--prior-batch-size", "64", "--prior-lr", "1e-2",
                         "--average-decay", "0", "--random-order-share", "0"]
        for (name, extra) in [("plain", [String]()), ("fair", ["--fairness-lambda", "1"])] {
            let trained = try run(["finetune", "--schema", "s.json", "--data", "biased.csv", "--layers", "1", "--width", "32", "--heads", "2", "-o", name]
                                  + privately + extra)
            XCTAssertEqual(trained.status, 0, trained.stderr)
            XCTAssertTrue(trained.stderr.contains("the prior took the whole budget"), trained.stderr)
            for (file, match) in [("\(name).csv", []), ("\(name)-model.csv", ["--no-match-prior"])] {
                let result = try run(["generate", "--checkpoint", name, "--rows", "2000", "-o", file] + match)
                XCTAssertEqual(result.status, 0, result.stderr)
                XCTAssertEqual(result.stderr.contains("the target's rates are not matched to the prior's in each group"), name == "fair" && match.isEmpty, result.stderr)
            }
        }
        let plain = try parity("plain-model.csv"), fair = try parity("fair-model.csv")
        XCTAssertGreaterThan(plain.gap, 0.5, "the model learns the table's gap from the prior")
        XCTAssertLessThan(abs(fair.gap), 0.4 * plain.gap, "the term acts on the pseudo rows: \(plain.gap) -> \(fair.gap)")
        XCTAssertGreaterThan(try parity("plain.csv").gap, 0.5)
        XCTAssertEqual(try parity("fair.csv").gap, fair.gap, accuracy: 0.08, "the default match leaves the fair model's rates")
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("fair/training.json"))) as! [String: Any]
        let term = try XCTUnwrap(record["fairness"] as? [String: Any])
        XCTAssertEqual(term["lambda"] as? Double, 1)
        XCTAssertEqual(term["sensitive"] as? String, "group")
        XCTAssertEqual(term["columns"] as? [String], ["outcome"])

        try train("nonprivate", extra: ["--fairness-lambda", "1"])
        let dropped = try run(["finetune", "--schema", "s.json", "--data", "biased.csv", "--resume", "nonprivate", "--steps", "450", "-o", "nonprivate"])
        XCTAssertEqual(dropped.status, 64, dropped.stderr)
        XCTAssertTrue(dropped.stderr.hasPrefix("Error: --resume nonprivate: the run began with --fairness-lambda 1.0 --sensitive group --fair-columns outcome --fairness-contexts 4; give the same to continue it\n"),
                      dropped.stderr)
        let kept = try run(["finetune", "--schema", "s.json", "--data", "biased.csv", "--resume", "nonprivate", "--steps", "410", "--fairness-lambda", "1", "-o", "nonprivate"])
        XCTAssertEqual(kept.status, 0, kept.stderr)
    }

    /// A threshold's groups (`--sensitive 'score<5'`): outcome yes 90 % of the time below 5, 10 %
    /// from 5 up. The mask removes at least 80 % of the gap between the two sides, and the share of
    /// rows below 5 stays within 0.06 of the unmasked rows'.
    func testMaskOnAThresholdGroup() throws {
        var csv = "score,outcome\n"
        for i in 0..<400 {
            let score = i % 10, low = score < 5
            let yes = low ? i % 20 != 0 && i % 20 != 10 : i % 20 == 15 || i % 20 == 16   // 80 % and 20 %
            csv += "\(score),\(yes ? "yes" : "no")\n"
        }
        try csv.write(to: folder.appendingPathComponent("scores.csv"), atomically: false, encoding: .utf8)
        let schema = """
        {"source": "public", "target": "outcome", "columns": [
          {"name": "score", "kind": "integer", "min": 0, "max": 9, "allows_missing": false},
          {"name": "outcome", "kind": "categorical", "categories": ["no", "yes"], "allows_missing": false}]}
        """
        try schema.write(to: folder.appendingPathComponent("scores.json"), atomically: false, encoding: .utf8)
        let trained = try run(["finetune", "--schema", "scores.json", "--data", "scores.csv", "--steps", "400", "--lr", "1e-2",
                               "--layers", "1", "--width", "32", "--heads", "2", "--batch-size", "32", "--held-out", "0", "-o", "ckpt"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        func sides(_ file: String) throws -> (gap: Double, low: Double) {
            let rows = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",").map(String.init) }
            let low = rows.filter { Int($0[0])! < 5 }, high = rows.filter { Int($0[0])! >= 5 }
            func yes(_ part: [[String]]) -> Double { Double(part.filter { $0[1] == "yes" }.count) / Double(max(part.count, 1)) }
            return (yes(low) - yes(high), Double(low.count) / Double(rows.count))
        }
        XCTAssertEqual(try run(["generate", "--checkpoint", "ckpt", "--rows", "2000", "-o", "plain.csv"]).status, 0)
        let masked = try run(["generate", "--checkpoint", "ckpt", "--rows", "2000", "--mask-fairness", "--sensitive", "score<5", "-o", "fair.csv"])
        XCTAssertEqual(masked.status, 0, masked.stderr)
        XCTAssertTrue(masked.stderr.contains("groups of score<5"), masked.stderr)
        let before = try sides("plain.csv"), after = try sides("fair.csv")
        XCTAssertGreaterThan(before.gap, 0.4, "the model learned the dependence")
        XCTAssertLessThan(abs(after.gap), 0.2 * before.gap, "at least 80 % of the gap removed: \(before.gap) -> \(after.gap)")
        XCTAssertEqual(after.low, before.low, accuracy: 0.06)
    }

    func testRefusesWhatItCannotDo() throws {
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        XCTAssertEqual(try run(["finetune", "--schema", publicSchema, "--data", sample, "--steps", "1", "--layers", "1", "--width", "8",
                                "--heads", "2", "--batch-size", "2", "-o", "ckpt"]).status, 0)
        let withoutFlag = try run(["generate", "--checkpoint", "ckpt", "--sensitive", "sex", "-o", "x.csv"])
        XCTAssertNotEqual(withoutFlag.status, 0)
        XCTAssertTrue(withoutFlag.stderr.contains("--sensitive needs --mask-fairness"), withoutFlag.stderr)
        let numeric = try run(["generate", "--checkpoint", "ckpt", "--mask-fairness", "--fair-columns", "age", "-o", "x.csv"])
        XCTAssertNotEqual(numeric.status, 0)
        XCTAssertTrue(numeric.stderr.contains("fairness probes need categorical columns; 'age' is integer"), numeric.stderr)
        // A condition on the groups' column or a fair one leaves the mask nothing to even: its rows
        // came out unmasked. One on another column masks within the rows it keeps.
        for (condition, expected) in [("sex=Female", "'sex', the sensitive groups' column"), ("income=>50K", "'income', a fair column")] {
            let conditioned = try run(["generate", "--checkpoint", "ckpt", "--mask-fairness", "--condition", condition, "--rows", "20", "-o", "x.csv"])
            XCTAssertEqual(conditioned.status, 64, conditioned.stderr)
            XCTAssertTrue(conditioned.stderr.hasPrefix("Error: --mask-fairness with --condition on \(expected): the mask evens rates across the groups"), conditioned.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.csv").path))
        let other = try run(["generate", "--checkpoint", "ckpt", "--mask-fairness", "--condition", "race=White", "--rows", "20", "-o", "x.csv"])
        XCTAssertEqual(other.status, 0, other.stderr)
        // Taken and ignored before.
        let unbalanced = try run(["generate", "--checkpoint", "ckpt", "--keep-balanced-mix", "--rows", "20", "-o", "y.csv"])
        XCTAssertEqual(unbalanced.status, 64, unbalanced.stderr)
        XCTAssertTrue(unbalanced.stderr.hasPrefix("Error: --keep-balanced-mix: this checkpoint was not trained with --balance-groups"), unbalanced.stderr)
    }
}
