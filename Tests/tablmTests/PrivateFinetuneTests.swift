import Foundation
import XCTest
import TablmCore

/// `finetune --dp` with DP-SGD alone (`--prior none`; MarginalPriorCommandTests covers the prior):
/// what it refuses, what it prints, what it records.
final class PrivateFinetuneTests: XCTestCase {
    private var folder: URL!
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
    private let tiny = ["--prior", "none", "--layers", "1", "--width", "16", "--heads", "2", "--micro-batch", "16", "--expected-batch-size", "20"]

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    func testTrainsToTheTargetAndRecordsOnlyTheGuarantee() throws {
        let result = try run(["finetune", "--dp", "--epsilon", "2", "--delta", "1e-5", "--schema", publicSchema, "--data", sample,
                              "--steps", "6", "--insecure-seed", "1", "-o", "ckpt"] + tiny)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("ε spent"), result.stderr)
        XCTAssertTrue(result.stderr.contains("the privacy guarantee does not hold for this run"), "insecure seed is flagged")
        XCTAssertFalse(result.stderr.lowercased().contains("loss"), "no loss computed from the rows is printed: \(result.stderr)")
        XCTAssertFalse(result.stderr.contains("tok/s"), result.stderr)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json"))) as! [String: Any]
        let privacy = try XCTUnwrap(record["privacy"] as? [String: Any])
        // The rate is over a count released with noise: a filter at one order, whose record claims the target.
        let epsilon = try XCTUnwrap(privacy["epsilon"] as? Double)
        XCTAssertEqual(epsilon, 2)
        let order = try XCTUnwrap(privacy["filter_order"] as? Double)
        XCTAssertEqual(privacy["delta"] as? Double, 1e-5)
        XCTAssertEqual(privacy["accountant"] as? String, "pld", "the default accountant")
        // The record says the noise was seeded, and nothing continues it as if it were private.
        XCTAssertEqual(privacy["insecure_seed"] as? Bool, true)
        let export = try CommandRunner.run(["export", "--checkpoint", "ckpt", "--data", sample, "--epsilon", "50", "-o", "bundle"], in: folder)
        XCTAssertEqual(export.status, 1, export.stderr)
        XCTAssertTrue(export.stderr.contains("noise was seeded (--insecure-seed)"), export.stderr)
        XCTAssertNotNil(record["average_decay"] as? Double, "the average is the default")
        for leaky in ["data_sha256", "train_loss", "held_out_loss", "tokens_seen", "data_rows", "held_out_rows"] {
            XCTAssertNil(record[leaky], "\(leaky) is computed from the rows and must not be recorded")
        }
        // The printed epsilon agrees with the accountant command on the same settings.
        let q = try XCTUnwrap(privacy["sample_rate"] as? Double), sigma = try XCTUnwrap(privacy["noise_multiplier"] as? Double)
        // Without a prior or --rows the rate's row count is released with noise σ = 20 and charged first.
        XCTAssertTrue(result.stderr.contains("the row count released with Gaussian noise σ = 20 (charged to the budget)"), result.stderr)
        XCTAssertEqual(q, 20.0 / 500, accuracy: 20.0 / 500 * 0.3, "the expected batch over a count near 500")
        // At the filter's order the release (α/2σ², σ = 20) and the steps convert to the target, less
        // σ's calibration slack (Balle et al. 2020, Theorem 21); at the path's best order, to less.
        let sum = order / 800 + 6 * RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: order)
        let atOrder = sum + log((order - 1) / order) - (log(1e-5) + log(order)) / (order - 1)
        XCTAssertLessThanOrEqual(atOrder, 2)
        XCTAssertGreaterThan(atOrder, 1.95)
        let check = try run(["privacy", "epsilon", "--sample-rate", "\(q)", "--noise-multiplier", "\(sigma)", "--steps", "6", "--delta", "1e-5",
                             "--count-release-noise", "20"])
        XCTAssertLessThan(try XCTUnwrap(Double(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines))), atOrder)
    }

    private func expectFailure(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), result.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), file: file, line: line)
    }

    /// A record CSV cannot read stops a private run before any mechanism, naming the file and what is
    /// wrong but not the line (the last row's line is the row count): `serialize` names it.
    func testARecordThatCannotBeReadIsNotPlacedUnderDP() throws {
        var csv = "group,outcome\n"
        for i in 0..<40 { csv += "\(i % 2 == 0 ? "A" : "B"),\(i % 3 == 0 ? "yes" : "no")\n" }
        try (csv + "A,yes,extra\n").write(to: folder.appendingPathComponent("bad.csv"), atomically: false, encoding: .utf8)
        try """
        {"source": "public", "target": "outcome", "columns": [
          {"name": "group", "kind": "categorical", "categories": ["A", "B"]},
          {"name": "outcome", "kind": "categorical", "categories": ["no", "yes"]}]}
        """.write(to: folder.appendingPathComponent("s.json"), atomically: false, encoding: .utf8)
        let arguments = ["finetune", "--schema", "s.json", "--data", "bad.csv", "--steps", "1", "--layers", "1", "--width", "16", "--heads", "2", "-o", "out"]
        let privately = try run(arguments + ["--dp", "--epsilon", "1"])
        XCTAssertEqual(privately.status, 1, privately.stderr)
        XCTAssertEqual(privately.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") },
                       ["Error: bad.csv: a record cannot be read as CSV (too many or too few fields, a quote never closed, or invalid UTF-8); which and where are not shown under DP, since a row's line tells how many come before it (tablm serialize --schema SCHEMA bad.csv > /dev/null names it)"])
        XCTAssertFalse(privately.stderr.contains("42"), privately.stderr)
        XCTAssertFalse(privately.stderr.contains("prior"), "no mechanism ran: \(privately.stderr)")
        let plainly = try run(arguments)
        XCTAssertTrue(plainly.stderr.contains("Error: bad.csv:42:3"), plainly.stderr)
        let serialized = try run(["serialize", "--schema", "s.json", "bad.csv"])
        XCTAssertTrue(serialized.stderr.contains("bad.csv:42:3"), serialized.stderr)
        try "group,outcome\n".write(to: folder.appendingPathComponent("empty.csv"), atomically: false, encoding: .utf8)
        let empty = try run(["finetune", "--schema", "s.json", "--data", "empty.csv", "--dp", "--epsilon", "1", "-o", "out"])
        XCTAssertTrue(empty.stderr.hasSuffix("\nError: empty.csv: the table has a header but no rows\n"), empty.stderr)
    }

    func testRefusesWhatWouldLeakRows() throws {
        XCTAssertEqual(try run(["schema", "infer", sample, "-o", "data-schema.json"]).status, 0)
        try expectFailure(["finetune", "--dp", "--epsilon", "1", "--schema", "data-schema.json", "--data", sample, "-o", "out"] + tiny,
                          "data-schema.json: the schema says \"source\": \"data\"")
        XCTAssertEqual(try run(["tokenizer", "train", "--schema", publicSchema, "--data", sample, "-o", "rows.model"]).status, 0)
        try expectFailure(["finetune", "--dp", "--epsilon", "1", "--schema", publicSchema, "--tokenizer", "rows.model", "--data", sample, "-o", "out"] + tiny,
                          "rows.model: --dp needs a tokenizer trained from a public schema alone")
        XCTAssertEqual(try run(["tokenizer", "train", "--schema", "data-schema.json", "-o", "data-schema.model"]).status, 0)
        try expectFailure(["finetune", "--dp", "--epsilon", "1", "--schema", publicSchema, "--tokenizer", "data-schema.model", "--data", sample, "-o", "out"] + tiny,
                          "this one was trained on a schema read off rows")
        try expectFailure(["finetune", "--dp", "--schema", publicSchema, "--data", sample, "-o", "out"] + tiny,
                          "--dp needs exactly one of --epsilon (target) or --noise-multiplier")
        try expectFailure(["finetune", "--epsilon", "1", "--schema", publicSchema, "--data", sample, "-o", "out"] + tiny,
                          "--epsilon, --noise-multiplier, --insecure-seed, --balance-groups, --accept-noise, --rows, --plan, --dp-blocks and --minutes need --dp")
        try expectFailure(["finetune", "--dp-blocks", "1", "--schema", publicSchema, "--data", sample, "-o", "out"] + tiny, "--dp-blocks and --minutes need --dp")
        // Taken and ignored before: a private step's rows are drawn by Poisson sampling.
        try expectFailure(["finetune", "--dp", "--epsilon", "1", "--batch-size", "8", "--schema", publicSchema, "--data", sample, "-o", "out"] + tiny,
                          "--batch-size is not used with --dp, whose steps draw rows by Poisson sampling; give --expected-batch-size")
    }
}

extension PrivateFinetuneTests {
    /// Noise that drowns the signal (σ over the expected batch above 1) is refused with what to change
    /// and finetune's help named, not the root's usage; --accept-noise trains anyway with a warning;
    /// a weak but usable level (0.2 here) only warns; an ε that cannot be reached says what to change.
    func testNoiseThatDrownsTheSignalIsRefusedWithAdvice() throws {
        let base = ["finetune", "--dp", "--schema", publicSchema, "--data", sample, "--steps", "1", "--insecure-seed", "1", "--rows", "500"] + tiny
        let drowned = try run(base + ["--noise-multiplier", "30", "-o", "out"])
        XCTAssertEqual(drowned.status, 64, drowned.stderr)
        XCTAssertTrue(drowned.stderr.contains("the noise would drown the signal, σ/B = 1.5:"), drowned.stderr)
        XCTAssertTrue(drowned.stderr.contains("a larger --epsilon, more rows than 500, or fewer --steps than 1"), drowned.stderr)
        XCTAssertTrue(drowned.stderr.contains("See 'tablm finetune --help'"), drowned.stderr)
        XCTAssertFalse(drowned.stderr.contains("Usage: tablm <subcommand>"), drowned.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path))
        let forced = try run(base + ["--noise-multiplier", "30", "--accept-noise", "-o", "forced"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stderr.contains("warning: weak signal, σ/B = 1.5:"), forced.stderr)
        let weak = try run(base + ["--noise-multiplier", "4", "-o", "weak"])
        XCTAssertEqual(weak.status, 0, weak.stderr)
        XCTAssertTrue(weak.stderr.contains("warning: weak signal, σ/B = 0.2:"), weak.stderr)
        XCTAssertFalse(weak.stderr.contains("--noise-multiplier without --epsilon"), "a public --rows: \(weak.stderr)")
        let usable = try run(base + ["--noise-multiplier", "1", "-o", "usable"])
        XCTAssertFalse(usable.stderr.contains("weak signal"), usable.stderr)
        let wide = tiny.map { $0 == "20" ? "256" : $0 }
        let unreachable = try run(["finetune", "--dp", "--epsilon", "0.001", "--schema", publicSchema, "--data", sample, "--rows", "500", "-o", "never"] + wide)
        XCTAssertEqual(unreachable.status, 64, unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("raise --epsilon, use more rows than about 500"), unreachable.stderr)
        XCTAssertTrue(unreachable.stderr.contains("See 'tablm finetune --help'"), unreachable.stderr)
    }

    /// A row that does not fit the public schema is fitted silently: its value never appears on stderr.
    func testRowsOutsideTheSchemaAreFittedWithoutQuotingThem() throws {
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        var lines = try String(contentsOfFile: sample, encoding: .utf8).split(separator: "\n").map(String.init)
        lines[5] = lines[5].replacingOccurrences(of: ",Male,", with: ",Secretvalue,").replacingOccurrences(of: ",Female,", with: ",Secretvalue,")
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("odd.csv"), atomically: false, encoding: .utf8)
        let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
        let result = try CommandRunner.run(["finetune", "--dp", "--noise-multiplier", "1", "--schema", publicSchema, "--data", "odd.csv",
                                            "--steps", "2", "--insecure-seed", "1", "-o", "ckpt", "--layers", "1", "--width", "16", "--heads", "2",
                                            "--expected-batch-size", "20", "--prior", "none"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stderr.contains("Secretvalue"), result.stderr)
        // Without --dp the same file is refused, naming the place and the value (the owner's own run).
        let plain = try CommandRunner.run(["finetune", "--schema", publicSchema, "--data", "odd.csv", "--steps", "1", "-o", "ckpt2",
                                           "--layers", "1", "--width", "16", "--heads", "2"], in: folder)
        XCTAssertNotEqual(plain.status, 0)
        XCTAssertTrue(plain.stderr.contains("odd.csv:6:10 (column 'sex'): 'Secretvalue' is not one of the schema's categories"), plain.stderr)
    }

    /// A schema estimated under DP is accepted by --dp and its (ε, δ) is charged to the total.
    func testDPSchemaIsChargedToTheTotal() throws {
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let infer = try CommandRunner.run(["schema", "infer", sample, "--dp-epsilon", "20", "--dp-delta", "1e-7", "--insecure-seed", "1",
                                           "--numeric", "age=17..90", "--numeric", "fnlwgt=0..2000000", "--numeric", "capital_gain=0..99999",
                                           "--numeric", "capital_loss=0..99999", "--numeric", "hours_per_week=1..99", "-o", "dp.json"], in: folder)
        XCTAssertEqual(infer.status, 0, infer.stderr)
        let result = try CommandRunner.run(["finetune", "--dp", "--epsilon", "22", "--delta", "1e-5", "--schema", "dp.json", "--data", sample,
                                            "--steps", "4", "--insecure-seed", "2", "-o", "ckpt", "--layers", "1", "--width", "16", "--heads", "2",
                                            "--expected-batch-size", "20", "--prior", "none"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("privacy budget: schema (ε = 20, δ = 1e-07) + training (ε ≤ 2"), result.stderr)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json"))) as! [String: Any]
        let privacy = try XCTUnwrap(record["privacy"] as? [String: Any])
        XCTAssertEqual(privacy["schema_epsilon"] as? Double, 20)
        let total = try XCTUnwrap(privacy["epsilon"] as? Double)
        XCTAssertLessThanOrEqual(total, 22)
        XCTAssertGreaterThan(total, 21.9)
    }

    /// --balance-groups: the counts of the sensitive column's groups are released with noise and
    /// charged; every step is charged at the largest group rate; the record keeps both, so the ε can
    /// be checked with `privacy epsilon --count-release-noise` and a resume charges the release once.
    func testBalancedGroupsAreChargedAndRecorded() throws {
        let result = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--steps", "4",
                              "--balance-groups", "--sensitive", "sex", "--balance-count-noise", "5", "--insecure-seed", "3", "-o", "ckpt"] + tiny)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("balance-groups: sex counts released with Gaussian noise σ = 5 (charged to the budget): Female ≈"), result.stderr)
        XCTAssertTrue(result.stderr.contains("the largest group's, charged every step"), result.stderr)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json"))) as! [String: Any]
        let privacy = try XCTUnwrap(record["privacy"] as? [String: Any])
        let balance = try XCTUnwrap(privacy["balance"] as? [String: Any])
        XCTAssertEqual(balance["groups"] as? [String], ["Female", "Male"])
        let rates = try XCTUnwrap(balance["rates"] as? [Double]), counts = try XCTUnwrap(balance["noisy_counts"] as? [Double])
        let q = try XCTUnwrap(privacy["sample_rate"] as? Double), sigma = try XCTUnwrap(privacy["noise_multiplier"] as? Double)
        XCTAssertEqual(q, rates.max())
        // Women are the smaller group of the sample: their rate is the larger, each group brings ~10 of the 20 rows.
        XCTAssertGreaterThan(rates[0], rates[1])
        XCTAssertEqual(rates[0] * counts[0], 10, accuracy: 1e-9)
        // Rates from released counts: a filter at one order; at it the release and the steps convert to the target.
        let epsilon = try XCTUnwrap(privacy["epsilon"] as? Double)
        XCTAssertEqual(epsilon, 3)
        let order = try XCTUnwrap(privacy["filter_order"] as? Double)
        func converted(_ rdp: Double) -> Double { rdp + log((order - 1) / order) - (log(1e-5) + log(order)) / (order - 1) }
        let step = RDPAccountant.rdp(sampleRate: q, noiseMultiplier: sigma, order: order)
        XCTAssertLessThanOrEqual(converted(order / 50 + 4 * step), 3)
        XCTAssertGreaterThan(converted(order / 50 + 4 * step), 2.95)

        // Resuming keeps the released counts (no second release) and needs the flag again.
        try expectFailure(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--steps", "6",
                           "--resume", "ckpt", "--insecure-seed", "4", "-o", "out"] + tiny,
                          "--balance-groups must be given on --resume exactly when the run began with it")
        // What the run keeps from the checkpoint may not be asked otherwise: --delta and --accountant were
        // taken, ignored, and printed as the guarantee's while the record kept its own.
        try expectFailure(["finetune", "--dp", "--epsilon", "3", "--delta", "1e-3", "--schema", publicSchema, "--data", sample, "--steps", "6",
                           "--resume", "ckpt", "--balance-groups", "--insecure-seed", "4", "-o", "out"] + tiny,
                          "--delta 0.001 with --resume: the checkpoint's guarantee is at δ = 1e-05, which the run keeps")
        try expectFailure(["finetune", "--dp", "--epsilon", "3", "--accountant", "rdp", "--schema", publicSchema, "--data", sample, "--steps", "6",
                           "--resume", "ckpt", "--balance-groups", "--insecure-seed", "4", "-o", "out"] + tiny,
                          "--accountant rdp with --resume: the checkpoint was trained with --accountant pld")
        // Two steps more than the 4 calibrated for at ε = 3 would spend more than 3: refused before any step.
        try expectFailure(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--steps", "6",
                           "--resume", "ckpt", "--balance-groups", "--insecure-seed", "4", "-o", "out"] + tiny,
                          "more than --epsilon 3.0; give --steps 4 (the planned length) or fewer")
        let resumed = try run(["finetune", "--dp", "--noise-multiplier", "\(sigma)", "--schema", publicSchema, "--data", sample, "--steps", "6",
                               "--resume", "ckpt", "--balance-groups", "--insecure-seed", "4", "-o", "ckpt2"] + tiny)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertFalse(resumed.stderr.contains("counts released"), "no second release: \(resumed.stderr)")
        let after = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt2/training.json"))) as! [String: Any]
        let resumedPrivacy = try XCTUnwrap(after["privacy"] as? [String: Any])
        XCTAssertEqual((resumedPrivacy["balance"] as? [String: Any])?["noisy_counts"] as? [Double], counts)
        // Two steps past the filter's budget are charged on top of all of it, not of what the first four
        // steps' path spent: the conversion of budget + 2 steps at the order is the target plus their RDP.
        XCTAssertEqual(try XCTUnwrap(resumedPrivacy["epsilon"] as? Double), 3 + 2 * step, accuracy: 1e-9)
        XCTAssertEqual(resumedPrivacy["filter_order"] as? Double, order)

        try expectFailure(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--balance-groups",
                           "--sensitive", "age", "-o", "out"] + tiny, "--balance-groups: 'age' is not a categorical column")
        try expectFailure(["finetune", "--schema", publicSchema, "--data", sample, "--balance-groups", "-o", "out"] + tiny,
                          "--balance-groups, --accept-noise, --rows, --plan, --dp-blocks and --minutes need --dp")
    }

    /// A resumed run keeps the expected batch its noisy sum is divided by and its schedule's peak
    /// rate: resumed without `--expected-batch-size` and `--lr`, the record took the defaults (256,
    /// 2e-4) over a run begun at 8 and 1e-3, and the next resume divided by 256.
    func testResumingKeepsTheExpectedBatchAndTheRate() throws {
        let base = ["finetune", "--dp", "--noise-multiplier", "1", "--accept-noise", "--schema", publicSchema, "--data", sample, "--rows", "80",
                    "--prior", "none", "--layers", "1", "--width", "16", "--heads", "2", "--insecure-seed", "3"]
        let first = try run(base + ["--steps", "4", "--expected-batch-size", "8", "--lr", "1e-3", "-o", "ckpt"])
        XCTAssertEqual(first.status, 0, first.stderr)
        XCTAssertTrue(first.stderr.contains("(expected 8 rows a step)"), first.stderr)
        for (steps, from) in [(6, "ckpt"), (8, "ckpt2")] {
            let resumed = try run(base + ["--steps", "\(steps)", "--resume", from, "-o", "ckpt2"])
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertTrue(resumed.stderr.contains("(expected 8 rows a step)") && resumed.stderr.contains("lr 1.00e-03"), resumed.stderr)
            let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt2/training.json"))) as! [String: Any]
            XCTAssertEqual(record["batch_size"] as? Int, 8)
            XCTAssertEqual((record["schedule"] as? [String: Any])?["peak"] as? Double, 1e-3)
        }
        // A rate capped at 1 divides by the rows, not the batch asked for, before and after --resume.
        let capped = base.map { $0 == "80" ? "20" : $0 }
        let whole = try run(capped + ["--steps", "2", "--expected-batch-size", "50", "-o", "whole"])
        XCTAssertTrue(whole.stderr.contains("(expected 20 rows a step)"), whole.stderr)
        let resumed = try run(capped + ["--steps", "3", "--resume", "whole", "-o", "whole"])
        XCTAssertTrue(resumed.stderr.contains("(expected 20 rows a step)"), resumed.stderr)
        let otherRows = try run(base + ["--steps", "3", "--resume", "whole", "-o", "whole"])
        XCTAssertTrue(otherRows.stderr.contains("--rows 80 with --resume: the checkpoint's rate is over 20.0 rows"), otherRows.stderr)
    }

    /// skew.csv: 400 rows, group A a quarter of them; s.json its public schema, group sensitive.
    private func writeSkewedTable() throws {
        var csv = "group,outcome\n"
        for i in 0..<400 { csv += "\(i % 4 == 0 ? "A" : "B"),\(i % 3 == 0 ? "yes" : "no")\n" }
        try csv.write(to: folder.appendingPathComponent("skew.csv"), atomically: false, encoding: .utf8)
        try """
        {"source": "public", "target": "outcome", "sensitive": ["group"], "columns": [
          {"name": "group", "kind": "categorical", "categories": ["A", "B"]},
          {"name": "outcome", "kind": "categorical", "categories": ["no", "yes"]}]}
        """.write(to: folder.appendingPathComponent("s.json"), atomically: false, encoding: .utf8)
    }

    /// Balanced training teaches the model the balanced mix; `generate` restores the table's group
    /// shares from the released counts (log 1/q_g on each group's logit), unless --keep-balanced-mix.
    /// A table with 25 % of group A: ~50 % A kept, ~25 % restored.
    func testGenerationRestoresTheTableShares() throws {
        try writeSkewedTable()
        let trained = try run(["finetune", "--dp", "--noise-multiplier", "0.5", "--accountant", "rdp", "--insecure-seed", "1", "--balance-groups",
                               "--balance-count-noise", "2", "--schema", "s.json", "--data", "skew.csv", "--steps", "150", "--lr", "1e-2",
                               "--layers", "1", "--width", "32", "--heads", "2", "--expected-batch-size", "40", "--prior", "none", "-o", "ckpt"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("warning: --noise-multiplier without --epsilon: DP-SGD's rate is over a count released with noise"), trained.stderr)
        func shareA(_ extra: [String]) throws -> Double {
            let generated = try run(["generate", "--checkpoint", "ckpt", "--rows", "2000", "-o", "g.csv"] + extra)
            XCTAssertEqual(generated.status, 0, generated.stderr)
            XCTAssertEqual(generated.stderr.contains("group shares restored from the released counts (trained mix -> table): A 0.500 -> 0.2"),
                           extra.isEmpty, generated.stderr)
            let rows = try String(contentsOf: folder.appendingPathComponent("g.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            return Double(rows.filter { $0.hasPrefix("A,") }.count) / Double(rows.count)
        }
        XCTAssertEqual(try shareA(["--keep-balanced-mix"]), 0.5, accuracy: 0.08)
        XCTAssertEqual(try shareA([]), 0.25, accuracy: 0.06)
    }

    /// `--balance-groups` on a table too small for DP-SGD: the prior takes the whole budget as it
    /// does without balancing (it kept DP-SGD's share, left DP-SGD out and spent ε 0.78 of 1), and
    /// `generate` restores no shares, since no row was sampled by group (it took group A from the
    /// table's 0.25 to about 0.14).
    func testBalancingWhereThePriorTakesTheWholeBudgetRestoresNothing() throws {
        try writeSkewedTable()
        let trained = try run(["finetune", "--dp", "--epsilon", "1", "--insecure-seed", "1", "--balance-groups", "--schema", "s.json", "--data", "skew.csv",
                               "--prior-steps", "200", "--prior-batch-size", "64", "--prior-lr", "1e-2", "--average-decay", "0",
                               "--layers", "1", "--width", "32", "--heads", "2", "-o", "ckpt"])
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertTrue(trained.stderr.contains("the prior took the whole budget"), trained.stderr)
        XCTAssertTrue(trained.stderr.contains("--balance-groups: no DP-SGD step ran"), trained.stderr)
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json"))) as! [String: Any]
        let privacy = try XCTUnwrap(record["privacy"] as? [String: Any])
        let epsilon = try XCTUnwrap(privacy["epsilon"] as? Double)
        XCTAssertLessThanOrEqual(epsilon, 1 + 1e-9, "the count release and the prior within the budget (they spent 1.0225)")
        XCTAssertGreaterThan(epsilon, 0.99, "the whole budget spent (0.78 was)")
        let generated = try run(["generate", "--checkpoint", "ckpt", "--rows", "2000", "--no-match-prior", "-o", "g.csv"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        XCTAssertFalse(generated.stderr.contains("shares restored"), generated.stderr)
        let rows = try String(contentsOf: folder.appendingPathComponent("g.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(Double(rows.filter { $0.hasPrefix("A,") }.count) / Double(rows.count), 0.25, accuracy: 0.06)
        // No balanced mix to keep: taken and ignored before, now refused.
        let kept = try run(["generate", "--checkpoint", "ckpt", "--rows", "20", "--keep-balanced-mix", "-o", "k.csv"])
        XCTAssertEqual(kept.status, 64, kept.stderr)
        XCTAssertTrue(kept.stderr.contains("--keep-balanced-mix: no DP-SGD step of this checkpoint sampled by group"), kept.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("k.csv").path))
    }
}
