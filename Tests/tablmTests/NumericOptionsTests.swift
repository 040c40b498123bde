import Foundation
import XCTest

/// Numbers no run can use are refused where they are read, with one line naming the option and exit
/// 64, in bounded time: the accountants trapped on σ = 1e-9, 1e300 and inf, `calibrate --epsilon inf`
/// searched forever and `--epsilon nan` printed 1.0, and finetune took NaN rates and clip norms.
final class NumericOptionsTests: XCTestCase {
    private var folder: URL!
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func expectRefused(_ arguments: [String], naming option: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let started = Date()
        let result = try CommandRunner.run(arguments, in: folder)
        XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)", file: file, line: line)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }
        XCTAssertEqual(errors.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(errors.first?.contains(option) ?? false, "\(option) in \(result.stderr)", file: file, line: line)
        XCTAssertFalse(result.stderr.contains("Backtracing") || result.stderr.contains("Fatal error"), result.stderr, file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "\(arguments) took too long", file: file, line: line)
        XCTAssertTrue(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "nothing written", file: file, line: line)
    }

    func testTheAccountantsRefuseWhatTheyCannotCompute() throws {
        let epsilon = ["privacy", "epsilon", "--sample-rate", "0.01", "--steps", "100", "--delta", "1e-5"]
        for sigma in ["1e-9", "1e300", "inf", "nan", "-1", "0.05"] {
            try expectRefused(epsilon + ["--noise-multiplier", sigma], naming: "--noise-multiplier")
        }
        try expectRefused(epsilon + ["--noise-multiplier", "1", "--count-release-noise", "nan"], naming: "--count-release-noise")
        try expectRefused(epsilon + ["--noise-multiplier", "1", "--count-release-noise", "inf"], naming: "--count-release-noise")
        try expectRefused(["privacy", "epsilon", "--sample-rate", "0.01", "--steps", "1000000000000", "--delta", "1e-5", "--noise-multiplier", "1"], naming: "--steps")
        try expectRefused(["privacy", "epsilon", "--sample-rate", "nan", "--steps", "100", "--delta", "1e-5", "--noise-multiplier", "1"], naming: "--sample-rate")
        let calibrate = ["privacy", "calibrate", "--sample-rate", "0.01", "--delta", "1e-5"]
        for target in ["inf", "nan", "0", "-1"] {
            try expectRefused(calibrate + ["--steps", "100", "--epsilon", target], naming: "--epsilon")
        }
        try expectRefused(calibrate + ["--steps", "0", "--epsilon", "1"], naming: "--steps")
        try expectRefused(calibrate + ["--steps", "1000000000000", "--epsilon", "1"], naming: "--steps")
    }

    /// Legitimate extremes answer quickly: a huge target needs the least noise the accountants know,
    /// a tiny rate needs little; σ = 0 is no noise, ε = inf.
    func testExtremeButValidInputsAnswer() throws {
        let huge = try CommandRunner.run(["privacy", "calibrate", "--sample-rate", "0.01", "--steps", "10", "--delta", "1e-5", "--epsilon", "10000"], in: folder)
        XCTAssertEqual(huge.status, 0, huge.stderr)
        XCTAssertEqual(Double(huge.stdout.trimmingCharacters(in: .whitespacesAndNewlines)), 0.1)
        let tiny = try CommandRunner.run(["privacy", "calibrate", "--sample-rate", "1e-300", "--steps", "10", "--delta", "1e-5", "--epsilon", "1"], in: folder)
        XCTAssertEqual(tiny.status, 0, tiny.stderr)
        let none = try CommandRunner.run(["privacy", "epsilon", "--sample-rate", "0.01", "--steps", "10", "--delta", "1e-5", "--noise-multiplier", "0"], in: folder)
        XCTAssertEqual(none.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "inf", none.stderr)
    }

    /// finetune refuses such numbers before reading anything.
    func testFinetuneChecksItsNumbersFirst() throws {
        let base = ["finetune", "--schema", publicSchema, "--data", sample, "-o", "out"]
        for (option, value) in [("--clip", "0"), ("--clip", "nan"), ("--clip", "inf"), ("--lr", "nan"), ("--lr", "inf"), ("--lr", "1e30"),
                                ("--lr=-1", nil), ("--weight-decay", "nan"), ("--weight-decay", "inf")] as [(String, String?)] {
            try expectRefused(base + [option] + (value.map { [$0] } ?? []), naming: option.hasPrefix("--lr") ? "--lr" : option)
        }
        for epsilon in ["inf", "nan"] {
            try expectRefused(base + ["--dp", "--epsilon", epsilon], naming: "--epsilon")
        }
        for sigma in ["nan", "1e-9", "0", "inf"] {
            try expectRefused(base + ["--dp", "--noise-multiplier", sigma], naming: "--noise-multiplier")
        }
        try expectRefused(base + ["--dp", "--epsilon", "1e300"], naming: "--epsilon")
        try expectRefused(["export", "--checkpoint", "absent", "--data", sample, "--epsilon", "4", "--rows", "0", "-o", "bundle"], naming: "--rows")
    }

    /// generate and prior: the sampling knobs and sizes (NaN temperature wrote one row 100 times,
    /// --rows 1e12 aborted on allocation, prior --epsilon 1e300 trapped).
    func testGenerateAndPriorCheckTheirNumbers() throws {
        let generate = ["generate", "--checkpoint", "absent", "-o", "rows.csv"]
        for (option, value) in [("--temperature", "nan"), ("--temperature", "0"), ("--temperature", "inf"), ("--logit-noise", "inf"),
                                ("--logit-noise", "1e300"), ("--logit-noise", "nan"), ("--top-k=-1", nil), ("--rows", "1000000000000"), ("--rows", "0")] as [(String, String?)] {
            try expectRefused(generate + [option] + (value.map { [$0] } ?? []), naming: option.hasPrefix("--top-k") ? "--top-k" : option)
        }
        let prior = ["prior", "--schema", publicSchema, "--data", sample, "-o", "p.csv"]
        for epsilon in ["inf", "1e300", "nan", "0"] { try expectRefused(prior + ["--epsilon", epsilon], naming: "--epsilon") }
        try expectRefused(prior + ["--epsilon", "1", "--rows", "1000000000000"], naming: "--rows")
    }
}
