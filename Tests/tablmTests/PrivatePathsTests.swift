import Foundation
import TablmCore
import XCTest

/// The routes a user can take to `finetune --dp`: a codebook schema or one inferred and declared
/// public, with the tokenizer `finetune` trains or one from `tokenizer train` (field pieces: one token
/// for a listed value and its lead-in). Each must train, prior and DP-SGD, on the same table.
final class PrivatePathsTests: XCTestCase {
    private var folder: URL!
    private let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--micro-batch", "16", "--expected-batch-size", "40",
                        "--prior-steps", "3", "--steps", "2", "--insecure-seed", "1"]
    /// Amounts that repeat: inferred, they list their values (12 of them over 0...99,999, 60 rows each).
    private let amounts: [Int64] = [0, 114, 401, 594, 1_055, 2_174, 3_103, 5_013, 7_688, 15_024, 27_828, 99_999]

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
        var text = "gain,loss,hours,group,outcome\n"
        for i in 0..<720 {
            text += "\(amounts[i % 12]),\(amounts[(i * 7 + 3) % 12]),\(20 + 5 * (i % 12)),\(i % 3 == 0 ? "a" : "b"),\(i % 4 == 0 ? "yes" : "no")\n"
        }
        try text.write(to: folder.appendingPathComponent("table.csv"), atomically: true, encoding: .utf8)
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    private func inferPublicSchema() throws {
        let inferred = try run(["schema", "infer", "table.csv", "--target", "outcome", "--sensitive", "group", "--public-source", "-o", "schema.json"])
        XCTAssertEqual(inferred.status, 0, inferred.stderr)
        let schema = try SchemaFile.load(path: folder.appendingPathComponent("schema.json").path)
        XCTAssertEqual(schema.columns[0].values, amounts, "the amounts are listed")
    }

    /// Schema inferred and declared public, tokenizer from `tokenizer train` with field pieces: the
    /// prior's pseudo rows drew amounts between the listed ones, which the field pieces do not cover,
    /// and the run stopped after the prior had spent its share ("the longest row needs N tokens, more
    /// than the context of M"; this test failed so before the fix). The prior now draws listed values only.
    func testInferredSchemaWithATrainedTokenizer() throws {
        try inferPublicSchema()
        let tokenizer = try run(["tokenizer", "train", "--schema", "schema.json", "-o", "t.model"])
        XCTAssertEqual(tokenizer.status, 0, tokenizer.stderr)
        let result = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "--tokenizer", "t.model",
                              "-o", "ckpt"] + tiny)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("-DP for each row"), result.stderr)
        // The prior's rows hold listed amounts only.
        let prior = try run(["prior", "--schema", "schema.json", "--data", "table.csv", "--epsilon", "1", "--rows", "500", "--insecure-seed", "3", "-o", "prior.csv"])
        XCTAssertEqual(prior.status, 0, prior.stderr)
        let rows = try TableData.read(path: folder.appendingPathComponent("prior.csv").path,
                                      schema: SchemaFile.load(path: folder.appendingPathComponent("schema.json").path)).rows
        let listed = Set(amounts)
        for row in rows {
            for column in 0..<2 {
                guard case .number(let value) = row[column] else { return XCTFail("\(row[column])") }
                XCTAssertTrue(listed.contains(value), "pseudo row amount \(value) is not listed")
            }
        }
    }

    /// The other routes: the inferred public schema with the tokenizer `finetune` trains, and a
    /// tokenizer trained from it but with no field pieces.
    func testInferredSchemaWithTheDefaultAndAPlainTokenizer() throws {
        try inferPublicSchema()
        let plain = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "-o", "ckpt"] + tiny)
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertEqual(try run(["tokenizer", "train", "--schema", "schema.json", "--field-pieces", "0", "-o", "p.model"]).status, 0)
        let given = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "--tokenizer", "p.model",
                             "-o", "ckpt2"] + tiny)
        XCTAssertEqual(given.status, 0, given.stderr)
    }

    /// A row the context cannot hold stops the run before anything is spent, without its length.
    func testARowBeyondTheContextStopsBeforeAnySpending() throws {
        try inferPublicSchema()
        let result = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "--context", "6",
                              "-o", "ckpt"] + tiny)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("cannot be tokenized within the context of 6 tokens"), result.stderr)
        XCTAssertFalse(result.stderr.contains("prior"), "nothing measured: \(result.stderr)")
        XCTAssertFalse(result.stderr.contains("needs"), "no length read off the rows: \(result.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ckpt").path))
    }

    /// The target's weight, on the pseudo rows or in DP-SGD's per-row loss, needs a target; without
    /// one the run stops before reading a row. With one, DP-SGD's weight is recorded.
    func testTargetWeightsNeedATargetBeforeAnySpending() throws {
        let inferred = try run(["schema", "infer", "table.csv", "--sensitive", "group", "--public-source", "-o", "untargeted.json"])
        XCTAssertEqual(inferred.status, 0, inferred.stderr)
        for option in ["--prior-target-weight", "--target-weight"] {
            let result = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "untargeted.json", "--data", "table.csv",
                                  option, "4", "-o", "ckpt"] + tiny)
            XCTAssertEqual(result.status, 64, result.stderr)
            XCTAssertTrue(result.stderr.contains("\(option) needs a target column"), result.stderr)
            XCTAssertFalse(result.stderr.contains("prior round") || result.stderr.contains("AIM"), "nothing measured: \(result.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ckpt").path))
        }
        try inferPublicSchema()
        let trained = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "--target-weight", "3", "-o", "ckpt"] + tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        XCTAssertEqual(record.targetWeight, 3)
    }

    /// A table too small for DP-SGD's noise (720 rows at ε = 1: σ/B far above
    /// TrainingRecipe.largestNoiseAfterPrior): the prior takes the whole budget, decided on its 1-way
    /// measurements' noisy total, and no DP-SGD step runs. With the split asked for, DP-SGD is left
    /// out and the run spends the prior's share only.
    func testASmallTableGivesThePriorTheWholeBudget() throws {
        try inferPublicSchema()
        var arguments = tiny
        let steps = try XCTUnwrap(arguments.firstIndex(of: "--steps"))
        arguments.removeSubrange(steps...steps + 1)
        for (share, folder) in [(nil, "whole"), ("0.75", "split")] {
            let result = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "-o", folder]
                                 + arguments + (share.map { ["--prior-share", $0] } ?? []))
            XCTAssertEqual(result.status, 0, result.stderr)
            let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: self.folder.appendingPathComponent("\(folder)/training.json")))
            let privacy = try XCTUnwrap(record.privacy)
            XCTAssertEqual(record.steps, 0)
            XCTAssertEqual(privacy.noiseMultiplier, 0)
            // Each round's "ρ used X of Y" stays within Y, and the last ends at it (the rounds' filter spends
            // exactly its bound): after widening, Y is the whole budget's ρ (the lines said the prior's share's).
            let rounds = result.stderr.split(separator: "\n").compactMap { line -> (used: Double, bound: Double)? in
                guard line.hasPrefix("prior round"), let used = line.range(of: "ρ used "), let of = line.range(of: " of ", range: used.upperBound..<line.endIndex),
                      let end = line.range(of: ";", range: of.upperBound..<line.endIndex) else { return nil }
                return Double(line[used.upperBound..<of.lowerBound]).flatMap { u in Double(line[of.upperBound..<end.lowerBound]).map { (u, $0) } }
            }
            XCTAssertFalse(rounds.isEmpty, result.stderr)
            for round in rounds { XCTAssertLessThanOrEqual(round.used, round.bound * (1 + 1e-3), result.stderr) }
            XCTAssertEqual(try XCTUnwrap(rounds.last).used, try XCTUnwrap(rounds.last).bound, accuracy: 1e-3 * rounds.last!.bound, result.stderr)
            if share == nil {
                XCTAssertTrue(result.stderr.contains("the prior takes the whole budget"), result.stderr)
                XCTAssertTrue(result.stderr.contains("no DP-SGD steps: the prior took the whole budget"), result.stderr)
                XCTAssertEqual(privacy.prior?.share, 1)
                XCTAssertEqual(privacy.prior?.rho ?? 0, PrivacyBudgetPlan.rho(epsilon: 1, delta: 1e-5), accuracy: 1e-9, "the whole budget's ρ")
            } else {
                XCTAssertTrue(result.stderr.contains("no DP-SGD steps: the ε left buys only noise above σ/B = 0.0055"), result.stderr)
                XCTAssertEqual(privacy.prior?.share, 0.75)
                XCTAssertEqual(privacy.prior?.rho ?? 0, PrivacyBudgetPlan.rho(epsilon: 0.75, delta: 1e-5), accuracy: 1e-9, "the prior's share only")
            }
            // Which branch ran was decided on a released total: the guarantee is the filter's, the target,
            // whichever path this table took (a neighbouring table could have taken the other).
            XCTAssertNotNil(privacy.filterOrder)
            XCTAssertEqual(privacy.epsilon, 1)
        }
    }

    /// The fairness term's columns are checked before any mechanism runs (a column the schema lacks,
    /// or the sensitive column named as fair, stopped the run only after the prior had spent its ε).
    /// A table of one row (a noisy total of 7 with this seed: an expected batch under 19 rows, where
    /// DP-SGD's loudest allowed σ is below what the accountants take) leaves DP-SGD out and trains;
    /// `PrivatePlanTests` checks the guard at 1 and 2 rows, where PLD trapped.
    func testFairnessColumnsAreCheckedBeforeAnySpendingAndOneRowTrains() throws {
        try inferPublicSchema()
        for (columns, expected) in [("nope", "--fair-columns: no column 'nope' in the schema"), ("group", "--fair-columns: 'group' is the sensitive column")] {
            let refused = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv",
                                   "--fairness-lambda", "1", "--fair-columns", columns, "-o", "ckpt"] + tiny)
            XCTAssertEqual(refused.status, 64, refused.stderr)
            XCTAssertTrue(refused.stderr.contains(expected), refused.stderr)
            XCTAssertFalse(refused.stderr.contains("prior round") || refused.stderr.contains("AIM"), "nothing measured: \(refused.stderr)")
        }
        let lines = try String(contentsOf: folder.appendingPathComponent("table.csv"), encoding: .utf8).split(separator: "\n")
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("one.csv"), atomically: true, encoding: .utf8)
        var arguments = tiny
        let steps = try XCTUnwrap(arguments.firstIndex(of: "--steps"))
        arguments.removeSubrange(steps...steps + 1)
        let one = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "one.csv", "-o", "one"] + arguments)
        XCTAssertEqual(one.status, 0, one.stderr)
        XCTAssertTrue(one.stderr.contains("the prior takes the whole budget"), one.stderr)
        let total = try XCTUnwrap(one.stderr.components(separatedBy: "prior: on about ").dropFirst().first.flatMap { Double($0.prefix { $0 != " " }) })
        XCTAssertLessThan(total, 20, "the guard's region: \(one.stderr)")
    }

    /// Steps asked for on a table too small for their noise: the refusal came after the prior had
    /// spent its share, wasting it. DP-SGD is now left out and the prior's training kept.
    func testNoiseThatDrownsDPSGDAfterThePriorKeepsThePrior() throws {
        try inferPublicSchema()
        let lines = try String(contentsOf: folder.appendingPathComponent("table.csv"), encoding: .utf8).split(separator: "\n")
        try (lines.prefix(21).joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("twenty.csv"), atomically: true, encoding: .utf8)
        var arguments = tiny
        arguments[try XCTUnwrap(arguments.firstIndex(of: "--steps")) + 1] = "40"
        let result = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "twenty.csv", "-o", "ckpt"] + arguments)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("no DP-SGD steps: the noise would drown the signal, σ/B = "), result.stderr)
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        let privacy = try XCTUnwrap(record.privacy)
        XCTAssertEqual(record.steps, 0)
        XCTAssertEqual(privacy.noiseMultiplier, 0)
        XCTAssertEqual(privacy.prior?.share, 0.75)
        XCTAssertEqual(privacy.prior?.rho ?? 0, PrivacyBudgetPlan.rho(epsilon: 0.75, delta: 1e-5), accuracy: 1e-9, "the prior's share only")
        XCTAssertEqual(privacy.epsilon, 1, "the filter's guarantee: DP-SGD was left out on released values")
    }

    /// DP-SGD on more blocks than the model has stops before reading a row; on its one block, the run trains.
    func testTrainedBlocksAreCheckedBeforeAnySpending() throws {
        try inferPublicSchema()
        let refused = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "--dp-blocks", "2", "-o", "ckpt"] + tiny)
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("--dp-blocks 2: the model has 1 block"), refused.stderr)
        XCTAssertFalse(refused.stderr.contains("prior round") || refused.stderr.contains("AIM"), "nothing measured: \(refused.stderr)")
        let trained = try run(["finetune", "--dp", "--epsilon", "1", "--schema", "schema.json", "--data", "table.csv", "--dp-blocks", "1", "-o", "ckpt"] + tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        XCTAssertEqual(record.trainedBlocks, 1, "the checkpoint says which blocks DP-SGD trained, for --resume")
    }
}
