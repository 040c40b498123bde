import Foundation
import XCTest

/// What the README tells a newcomer to type exists: every `tablm` command line in its shell blocks
/// names a real subcommand, and every option it uses appears in that subcommand's --help (the README
/// once said `--init` for `--init-from`). The help texts say what the issue found they did not.
final class DocumentedCommandsTests: XCTestCase {
    private func help(_ path: [String], in folder: URL) throws -> String {
        let result = try CommandRunner.run(path + ["--help"], in: folder)
        XCTAssertEqual(result.status, 0, "tablm \(path.joined(separator: " ")) --help: \(result.stderr)")
        return result.stdout
    }

    func testEveryReadmeCommandAndOptionExists() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let readme = try String(contentsOf: CommandRunner.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let blocks = readme.components(separatedBy: "```sh\n").dropFirst().compactMap { $0.components(separatedBy: "```").first }
        let lines = blocks.joined(separator: "\n").replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            .map { $0.split(separator: "#", maxSplits: 1).first.map(String.init) ?? "" }
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { $0.hasPrefix("tablm ") }
        XCTAssertGreaterThanOrEqual(lines.count, 7, "the tour's commands were found")
        for line in lines {
            let words = line.split(separator: " ").map(String.init).dropFirst()
            let path = Array(words.prefix { !$0.hasPrefix("-") }.prefix(2)).filter { $0.allSatisfy { $0.isLetter } }
            let text = try help(path, in: folder)
            for option in words where option.hasPrefix("--") {
                let whole = NSRegularExpression.escapedPattern(for: option) + "(?![-a-z])"
                XCTAssertNotNil(text.range(of: whole, options: .regularExpression), "README: `\(line)` uses \(option), which `tablm \(path.joined(separator: " ")) --help` does not list")
            }
        }
    }

    func testHelpTextsSayWhatTheyMean() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let finetune = try help(["finetune"], in: folder), generate = try help(["generate"], in: folder)
        for text in [finetune, generate] {
            let workers = try XCTUnwrap(text.range(of: "--workers <workers>")).upperBound
            let entry = text[workers...].prefix { $0 != "-" }
            XCTAssertEqual(entry.components(separatedBy: "default").count - 1, 1, "one default for --workers: \(entry)")
            XCTAssertFalse(text.contains("Sensitive column for --fairness-lambda / --mask-fairness"))
        }
        XCTAssertTrue(finetune.replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "  ", with: " ").contains("per-row clip norm C"))
    }
}
