import Foundation
import TablmCore
import XCTest

/// `finetune --dp --plan`: the plan is printed without reading a row, and the run does what it says.
final class PlanCommandTests: XCTestCase {
    private var folder: URL!
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
    private let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--micro-batch", "16", "--expected-batch-size", "40"]

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    private func value(_ name: String, in line: String) throws -> Double {
        let tail = try XCTUnwrap(line.components(separatedBy: name).dropFirst().first, "\(name) in \(line)")
        return try XCTUnwrap(Double(tail.prefix { "0123456789.".contains($0) }), line)
    }

    /// The plan reads no rows (its --data does not exist) and writes nothing; a run on 500 rows
    /// declared public with --rows takes the planned rate and σ to the last digit.
    func testThePlanIsTheRun() throws {
        let planned = try run(["finetune", "--dp", "--epsilon", "2", "--schema", publicSchema, "--data", "absent.csv", "--rows", "500",
                               "--prior", "none", "--steps", "5", "--plan", "-o", "ckpt"] + tiny)
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ckpt").path))
        let line = try XCTUnwrap(planned.stdout.split(separator: "\n").first { $0.contains("DP-SGD:") }.map(String.init), planned.stdout)
        let sigma = try value("σ = ", in: line), q = try value("q = ", in: line)
        XCTAssertEqual(q, 40.0 / 500, accuracy: 5e-6)
        let trained = try run(["finetune", "--dp", "--epsilon", "2", "--schema", publicSchema, "--data", sample, "--rows", "500",
                               "--prior", "none", "--steps", "5", "--insecure-seed", "1", "-o", "ckpt"] + tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        XCTAssertFalse(trained.stderr.contains("row count released"), "a declared count is not released: \(trained.stderr)")
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        let privacy = try XCTUnwrap(record.privacy)
        XCTAssertEqual(privacy.sampleRate, 40.0 / 500, accuracy: 1e-15)
        XCTAssertEqual(privacy.noiseMultiplier, sigma, accuracy: 5e-5, "the plan prints σ to 4 decimals")
        XCTAssertEqual(privacy.events?.count, 1, "DP-SGD's steps only")
    }

    /// With the prior, the run takes DP-SGD's rate over the prior's noisy total, which it records; the
    /// plan for that count gives the same rate, the prior's ε the run reports and DP-SGD's σ (the plan
    /// projected the prior as one Gaussian under PLD: ε 0.6846 for the run's 0.7500 on Adult at ε = 1,
    /// and σ 0.8965 for the run's 0.9263).
    func testThePriorsNoisyTotalSizesTheRun() throws {
        let trained = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--steps", "2",
                               "--prior-steps", "3", "--insecure-seed", "2", "-o", "ckpt"] + tiny)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        let privacy = try XCTUnwrap(record.privacy), prior = try XCTUnwrap(privacy.prior)
        let noisy = try XCTUnwrap(prior.noisyRows)
        XCTAssertEqual(Double(noisy), 500, accuracy: 150, "the fit's total is the table's, with noise")
        XCTAssertEqual(privacy.sampleRate, 40 / Double(noisy), accuracy: 1e-12, "the rate is over the noisy total, not the 500 rows")
        let planned = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", "absent.csv", "--rows", "\(noisy)",
                               "--steps", "2", "--prior-steps", "\(prior.steps)", "--plan", "-o", "unused"] + tiny)
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("then 3 steps of 128 pseudo rows"), planned.stdout)
        XCTAssertEqual(try value("q = ", in: planned.stdout), privacy.sampleRate, accuracy: 5e-6)
        XCTAssertEqual(try value("σ = ", in: planned.stdout), privacy.noiseMultiplier, accuracy: 5e-5, "the plan prints σ to 4 decimals")
        // The prior's ε in all so far: the filter's conversion at its order, as the run reports it.
        XCTAssertEqual(try value("alone, ", in: planned.stdout), try value("ε so far ", in: trained.stderr), accuracy: 5e-5)
    }

    /// --minutes: a budget too short for DP-SGD and the least prior stage is refused with one line
    /// naming the option before AIM measures anything, and nothing is written; with --prior none
    /// (no prior stage to size) or without --dp it is refused; --plan with it says how long the
    /// stages take, at this machine's speed.
    func testATimeBudget() throws {
        // A DP-SGD batch of 8 keeps the speed probe quick in a debug build.
        let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--micro-batch", "8", "--expected-batch-size", "8"]
        let short = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--minutes", "0.0001", "-o", "ckpt"] + tiny)
        XCTAssertEqual(short.status, 64, short.stderr)
        XCTAssertEqual(short.stderr.split(separator: "\n").filter { $0.contains("--minutes") }.count, 1, short.stderr)
        XCTAssertTrue(short.stderr.contains("Error: --minutes 0.0001 is too short here"), short.stderr)
        XCTAssertFalse(short.stderr.contains("prior:"), "refused before AIM measured anything: \(short.stderr)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ckpt").path))
        let none = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--prior", "none", "--minutes", "5", "-o", "ckpt"] + tiny)
        XCTAssertEqual(none.status, 64, none.stderr)
        XCTAssertTrue(none.stderr.contains("--prior none has none"), none.stderr)
        // The steps are timed without the fairness term, which now runs in every prior step.
        let fair = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--fairness-lambda", "1", "--minutes", "5", "-o", "ckpt"] + tiny)
        XCTAssertEqual(fair.status, 64, fair.stderr)
        XCTAssertTrue(fair.stderr.contains("--minutes times the steps without the fairness terms"), fair.stderr)
        XCTAssertFalse(fair.stderr.contains("prior:"), fair.stderr)
        let noDP = try run(["finetune", "--schema", publicSchema, "--data", sample, "--minutes", "5", "-o", "ckpt"])
        XCTAssertEqual(noDP.status, 64, noDP.stderr)
        XCTAssertTrue(noDP.stderr.contains("--minutes need --dp"), noDP.stderr)
        let planned = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", "absent.csv", "--rows", "500",
                               "--minutes", "60", "--plan", "--accountant", "rdp", "-o", "unused"] + tiny)   // RDP: quick in a debug build
        XCTAssertEqual(planned.status, 0, planned.stderr)
        XCTAssertTrue(planned.stdout.contains("time: about "), planned.stdout)
        XCTAssertTrue(planned.stdout.contains("within --minutes 60"), planned.stdout)
    }

    /// --plan without a count to plan for, and --rows without --dp, are refused with one line.
    func testRefusals() throws {
        let noRows = try run(["finetune", "--dp", "--epsilon", "1", "--schema", publicSchema, "--data", sample, "--plan", "-o", "x"])
        XCTAssertEqual(noRows.status, 64, noRows.stderr)
        XCTAssertTrue(noRows.stderr.contains("--plan needs --rows N"), noRows.stderr)
        let noDP = try run(["finetune", "--schema", publicSchema, "--data", sample, "--rows", "500", "-o", "x"])
        XCTAssertEqual(noDP.status, 64, noDP.stderr)
        XCTAssertTrue(noDP.stderr.contains("--rows, --plan, --dp-blocks and --minutes need --dp"), noDP.stderr)
        let zero = try run(["finetune", "--dp", "--epsilon", "1", "--schema", publicSchema, "--data", sample, "--rows", "0", "-o", "x"])
        XCTAssertEqual(zero.status, 64, zero.stderr)
        XCTAssertTrue(zero.stderr.contains("--rows must be in [1, 100000000] (got 0)"), zero.stderr)
        // A budget the run refuses is refused by its plan too (the plan once reported success).
        let tooSmall = try run(["finetune", "--dp", "--epsilon", "0.001", "--schema", publicSchema, "--data", sample, "--rows", "500", "--plan", "-o", "x"])
        XCTAssertEqual(tooSmall.status, 64, tooSmall.stderr)
        XCTAssertTrue(tooSmall.stderr.contains("is too small even for the 1-way marginals"), tooSmall.stderr)
        // `tablm prior` has no --prior-share or --prior: its advice names what it has.
        let prior = try run(["prior", "--schema", publicSchema, "--data", sample, "--epsilon", "0.001", "-o", "rows.csv"])
        XCTAssertEqual(prior.status, 64, prior.stderr)
        XCTAssertTrue(prior.stderr.contains("is too small even for the 1-way marginals: "), prior.stderr)
        XCTAssertTrue(prior.stderr.contains("; raise --epsilon") && !prior.stderr.contains("--prior-share"), prior.stderr)
    }
}
