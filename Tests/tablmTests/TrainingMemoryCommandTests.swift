import Foundation
import XCTest

/// `finetune` (both paths) and `bench` refuse a model and step no memory holds before any work,
/// instead of trapping in the allocator. Each command runs under `ulimit -v` 4 GB, so that code
/// which allocates instead of refusing fails at once rather than taking the machine's memory.
final class TrainingMemoryCommandTests: XCTestCase {
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let schema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
    /// 1.5·10⁹ parameters, each option in its range; 65,536 rows of at least Adult's 15 columns and
    /// `<s>` hold about 4 TB of activations, more than any machine.
    private let absurd = ["--width", "2048", "--layers", "30", "--heads", "4", "--steps", "1"]

    private func refusal(_ arguments: [String]) throws -> CommandResult {
        let folder = try CommandRunner.scratchFolder(self)
        let result = try CommandRunner.run(arguments, in: folder, stdin: .text(""), virtualMemoryKB: 4_000_000)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("ck").path), "nothing written")
        return result
    }

    func testFinetuneRefusesBeforeTheTokenizerIsTrained() throws {
        let result = try refusal(["finetune", "--data", sample, "--schema", schema, "--batch-size", "65536", "-o", "ck"] + absurd)
        // The options named depend on the machine: --width and --layers where the parameters alone do not fit.
        XCTAssertTrue(result.stderr.hasPrefix("Error: --") && result.stderr.contains(": training needs about "), result.stderr)
        XCTAssertTrue(result.stderr.contains("of activations for 65536 rows of 16 tokens; this machine has "), result.stderr)
        XCTAssertFalse(result.stderr.contains("tokenizer:"), "refused before the tokenizer is trained: \(result.stderr)")
    }

    func testPrivateFinetuneRefusesBeforeAnyEpsilonIsSpent() throws {
        let result = try refusal(["finetune", "--dp", "--epsilon", "1", "--prior", "none", "--data", sample, "--schema", schema,
                                  "--micro-batch", "65536", "--expected-batch-size", "65536", "-o", "ck"] + absurd)
        XCTAssertTrue(result.stderr.hasPrefix("Error: --") && result.stderr.contains(": training needs about "), result.stderr)
        XCTAssertTrue(result.stderr.contains("of activations for 65536 rows of 16 tokens; this machine has "), result.stderr)
        XCTAssertFalse(result.stderr.contains("tokenizer:") || result.stderr.contains("ε"), "refused before any work: \(result.stderr)")
    }

    func testBenchCountsTheParametersToo() throws {
        let result = try refusal(["bench", "--batch-size", "65536", "--length", "64", "--rounds", "1"] + absurd)
        XCTAssertTrue(result.stderr.hasPrefix("Error: --") && result.stderr.contains(": training needs about "), result.stderr)
        XCTAssertTrue(result.stderr.contains(" GB for the weights, "), result.stderr)
    }
}
