import Foundation
import TablmCore
import XCTest

/// The marginal prior from the command line: `finetune --dp` learns it before DP-SGD and records every
/// mechanism; `tablm prior` writes its rows; bad budgets and domains are refused with one line.
final class MarginalPriorCommandTests: XCTestCase {
    private var folder: URL!
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
    private let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--micro-batch", "16", "--expected-batch-size", "20"]

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        try CommandRunner.run(arguments, in: folder)
    }

    /// Prior, pseudo-row training, then DP-SGD, composed to at most the target; the record lists the
    /// selections and measurements, and `privacy epsilon checkpoint` recomputes the same ε from it.
    func testPriorThenDPSGDIsRecordedAndReproducible() throws {
        let result = try run(["finetune", "--dp", "--epsilon", "2", "--schema", publicSchema, "--data", sample, "--steps", "4",
                              "--prior-steps", "6", "--insecure-seed", "1", "-o", "ckpt"] + tiny)
        XCTAssertEqual(result.status, 0, result.stderr)
        for line in ["prior: AIM with ρ = ", "prior round 1: ", "prior training: ", "ε spent"] {
            XCTAssertTrue(result.stderr.contains(line), "\(line) in \(result.stderr)")
        }
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        let privacy = try XCTUnwrap(record.privacy)
        // A filter at one order: the rate is over the prior's noisy total. The record claims the
        // target, which every path stays within; its own events compose at the order to a little less.
        XCTAssertEqual(privacy.epsilon, 2)
        XCTAssertEqual(privacy.targetEpsilon, 2)
        let order = try XCTUnwrap(privacy.filterOrder)
        XCTAssertEqual(order, 10, "Benchmarks/adaptive_rate_bound.py's order at ε = 2")
        let events = try XCTUnwrap(privacy.events)
        guard case .sampledGaussian(let oneWaySigma, 1, 15) = events[0] else { return XCTFail("the 15 1-way marginals: \(events[0])") }
        XCTAssertGreaterThan(oneWaySigma, 0)
        XCTAssertTrue(events.contains { if case .exponential = $0 { true } else { false } })
        XCTAssertEqual(events.last, PrivacyEvent(noiseMultiplier: privacy.noiseMultiplier, sampleRate: privacy.sampleRate, steps: 4))
        let prior = try XCTUnwrap(privacy.prior)
        XCTAssertEqual(prior.share, 0.75)
        XCTAssertEqual(prior.measurements.prefix(15).map(\.columns), (try SchemaFile.load(path: publicSchema)).columnNames.map { [$0] })
        XCTAssertEqual(prior.measurements.count, 15 + events.filter { if case .exponential = $0 { true } else { false } }.reduce(0) { $0 + $1.steps })
        let check = try run(["privacy", "epsilon", "checkpoint", "ckpt"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertEqual(try XCTUnwrap(Double(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines))), 2, accuracy: 1e-9)
        XCTAssertTrue(check.stderr.contains("exponential mechanism ε = "), check.stderr)
        let composed = RDPAccountant.epsilon(history: events, delta: 1e-5, orders: [order])
        XCTAssertTrue(check.stderr.contains(String(format: "recomputed (a Rényi filter at order %g, δ = 1.0e-05): ε = %.6f; recorded ε = 2.000000", order, composed)), check.stderr)
        XCTAssertLessThanOrEqual(composed, 2)
        XCTAssertGreaterThan(composed, 1.9)
        // A record that claims less than its events compose to is refused.
        var forgedRecord = record
        forgedRecord.privacy?.epsilon = 1.5
        try JSONEncoder().encode(forgedRecord).write(to: folder.appendingPathComponent("ckpt/training.json"))
        let belowTarget = try run(["privacy", "epsilon", "checkpoint", "ckpt"])
        XCTAssertNotEqual(belowTarget.status, 0)
        XCTAssertTrue(belowTarget.stderr.contains("the record claims ε = 1.500000, below its filter's target 2.000000"), belowTarget.stderr)
        forgedRecord.privacy?.epsilon = 0.5
        forgedRecord.privacy?.targetEpsilon = 0.5
        try JSONEncoder().encode(forgedRecord).write(to: folder.appendingPathComponent("ckpt/training.json"))
        let forged = try run(["privacy", "epsilon", "checkpoint", "ckpt"])
        XCTAssertNotEqual(forged.status, 0)
        XCTAssertTrue(forged.stderr.contains("the record claims ε = 0.500000 but its events compose to"), forged.stderr)
        XCTAssertTrue(forged.stderr.contains("at the order of its filter"), forged.stderr)
        // --resume takes its σ from the record: refused the same way before any step is charged on top.
        let resumed = try run(["finetune", "--dp", "--epsilon", "3", "--schema", publicSchema, "--data", sample, "--resume", "ckpt", "--steps", "6",
                               "-o", "ckpt2", "--micro-batch", "16", "--expected-batch-size", "40"])
        XCTAssertNotEqual(resumed.status, 0)
        XCTAssertTrue(resumed.stderr.contains("ckpt/training.json: the record claims ε = 0.500000 but its events compose to"), resumed.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ckpt2").path))

        let generated = try run(["generate", "--checkpoint", "ckpt", "--rows", "20", "-o", "rows.csv"])
        XCTAssertEqual(generated.status, 0, generated.stderr)
    }

    /// `tablm prior` writes the pseudo rows; every one fits the schema; ε is at most the target.
    func testPriorCommandWritesSchemaValidRows() throws {
        let result = try run(["prior", "--schema", publicSchema, "--data", sample, "--epsilon", "3", "--rows", "700", "--insecure-seed", "2",
                              "-o", "prior.csv"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let schema = try SchemaFile.load(path: publicSchema)
        let rows = try TableData.read(path: folder.appendingPathComponent("prior.csv").path, schema: schema).rows
        XCTAssertEqual(rows.count, 700)
        let line = try XCTUnwrap(result.stderr.split(separator: "\n").last { $0.contains("-DP for each row") })
        let epsilon = try XCTUnwrap(Double(line.components(separatedBy: "(ε = ")[1].prefix(6)))
        XCTAssertLessThanOrEqual(epsilon, 3)
        XCTAssertGreaterThan(epsilon, 2.9)

        // --target-pairs: the 15 1-way marginals, the 14 pairs with `income`, then AIM's rounds, each
        // a line; the count of marginals measured is 29 more than the rounds.
        let paired = try run(["prior", "--schema", publicSchema, "--data", sample, "--epsilon", "3", "--rows", "700", "--insecure-seed", "2",
                              "--target-pairs", "-o", "paired.csv"])
        XCTAssertEqual(paired.status, 0, paired.stderr)
        let rounds = paired.stderr.split(separator: "\n").filter { $0.hasPrefix("prior round ") }.count
        XCTAssertTrue(paired.stderr.contains("prior: \(29 + rounds) marginals measured"), paired.stderr)
        let unpairedRounds = result.stderr.split(separator: "\n").filter { $0.hasPrefix("prior round ") }.count
        XCTAssertTrue(result.stderr.contains("prior: \(15 + unpairedRounds) marginals measured"), result.stderr)
        XCTAssertFalse(result.stderr.contains("warning: delta"), result.stderr)
        // δ at or above 1/rows (the sample's 500): said, as finetune --dp says it.
        let loose = try run(["prior", "--schema", publicSchema, "--data", sample, "--epsilon", "3", "--delta", "0.5", "--rows", "10", "--insecure-seed", "2",
                             "-o", "loose.csv"])
        XCTAssertEqual(loose.status, 0, loose.stderr)
        XCTAssertTrue(loose.stderr.contains("warning: delta 0.5 is not below 1/rows"), loose.stderr)
    }

    private func expectFailure(_ arguments: [String], _ expected: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let result = try run(arguments)
        XCTAssertNotEqual(result.status, 0, file: file, line: line)
        XCTAssertTrue(result.stderr.contains(expected), result.stderr, file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }.count, 1, result.stderr, file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out").path), file: file, line: line)
    }

    func testBadBudgetsAndDomainsAreRefused() throws {
        let base = ["finetune", "--dp", "--schema", publicSchema, "--data", sample, "--steps", "2", "--prior-steps", "2", "-o", "out"] + tiny
        try expectFailure(base + ["--epsilon", "1", "--prior-share", "0"], "--prior-share must be in (0, 1] (got 0)")
        try expectFailure(base + ["--epsilon", "1", "--prior-share", "1.5"], "--prior-share must be in (0, 1] (got 1.5)")
        try expectFailure(base + ["--epsilon", "0.001"], "is too small even for the 1-way marginals")
        try expectFailure(base + ["--noise-multiplier", "1"], "the marginal prior needs --epsilon")
        // --prior none reads no --prior-* option: one given there is refused, not ignored.
        try expectFailure(base + ["--epsilon", "1", "--prior", "none"], "--prior-max-cells and --prior-bins need --prior aim")
        try expectFailure(["finetune", "--dp", "--epsilon", "1", "--schema", publicSchema, "--data", sample, "--steps", "2", "--prior", "none",
                           "--prior-bins", "64", "-o", "out"] + tiny, "need --prior aim")
        // A checkpoint of the prior alone (σ = 0) cannot be resumed: its DP-SGD steps would have no noise.
        let priorOnly = try run(["finetune", "--dp", "--epsilon", "2", "--schema", publicSchema, "--data", sample, "--steps", "0",
                                 "--prior-steps", "2", "-o", "prior-only"] + tiny)
        XCTAssertEqual(priorOnly.status, 0, priorOnly.stderr)
        try expectFailure(["finetune", "--dp", "--epsilon", "2", "--schema", publicSchema, "--data", sample, "--resume", "prior-only",
                           "--steps", "2", "-o", "out"] + tiny, "prior-only: this checkpoint was saved before any DP-SGD step (σ = 0")
        try """
        {"source": "public", "columns": [
          {"name": "code", "kind": "categorical", "categories": [\((0..<5000).map { "\"c\($0)\"" }.joined(separator: ","))]},
          {"name": "flag", "kind": "categorical", "categories": ["no", "yes"]}]}
        """.write(to: folder.appendingPathComponent("wide.json"), atomically: false, encoding: .utf8)
        try "code,flag\nc1,no\nc2,yes\n".write(to: folder.appendingPathComponent("wide.csv"), atomically: false, encoding: .utf8)
        try expectFailure(["finetune", "--dp", "--epsilon", "1", "--schema", "wide.json", "--data", "wide.csv", "-o", "out"] + tiny,
                          "column 'code' has 5000 cells in its public domain")
        // --target-pairs on a schema without a target is refused before any row is read.
        try #"{"source": "public", "columns": [{"name": "code", "kind": "categorical", "categories": ["c1", "c2"]}, "#
            .appending(#"{"name": "flag", "kind": "categorical", "categories": ["no", "yes"]}]}"#)
            .write(to: folder.appendingPathComponent("untargeted.json"), atomically: false, encoding: .utf8)
        try expectFailure(["prior", "--epsilon", "1", "--schema", "untargeted.json", "--data", "wide.csv", "--target-pairs", "-o", "out"],
                          "--target-pairs needs a target column in the schema")
    }
}
