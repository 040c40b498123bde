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
        let commands = try commandPaths(in: folder)
        for line in lines {
            let words = line.split(separator: " ").map(String.init).dropFirst()
            // The longest run of leading words that names a command (`privacy epsilon checkpoint`).
            let path = (0...min(3, words.count)).reversed().map { Array(words.prefix($0)) }.first { commands.contains($0) } ?? []
            let text = try help(path, in: folder)
            for option in words where option.hasPrefix("--") {
                let whole = NSRegularExpression.escapedPattern(for: option) + "(?![-a-z])"
                XCTAssertNotNil(text.range(of: whole, options: .regularExpression), "README: `\(line)` uses \(option), which `tablm \(path.joined(separator: " ")) --help` does not list")
            }
        }
    }

    /// Every command's path, from the tool's own description.
    private func commandPaths(in folder: URL) throws -> Set<[String]> {
        let dump = try CommandRunner.run(["--experimental-dump-help"], in: folder)
        let tool = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var paths: Set<[String]> = [[]]
        func walk(_ command: [String: Any], path: [String]) {
            for sub in command["subcommands"] as? [[String: Any]] ?? [] {
                let next = path + [sub["commandName"] as? String ?? ""]
                paths.insert(next)
                walk(sub, path: next)
            }
        }
        walk(try XCTUnwrap(tool["command"] as? [String: Any]), path: [])
        return paths
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
