import ArgumentParser
import Foundation
import XCTest
@testable import tablm
import TablmCore

/// One command-line grammar, checked on the tool's own description (`--experimental-dump-help`), so
/// a new command or option is held to it without editing this test: the same option for the same
/// thing, defaults written one way, an example in every help that parses as written.
final class GrammarTests: XCTestCase {
    private struct Command {
        var path: [String]
        var names: Set<String>
        var positionals: [String]
        var helps: [String]
        var discussion: String
    }

    private func commands() throws -> [Command] {
        let dump = try CommandRunner.run(["--experimental-dump-help"], in: FileManager.default.temporaryDirectory)
        let tool = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var found: [Command] = []
        func walk(_ command: [String: Any], path: [String]) {
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            for sub in subcommands { walk(sub, path: path + [sub["commandName"] as? String ?? ""]) }
            guard subcommands.isEmpty, path != ["help"] else { return }
            let arguments = command["arguments"] as? [[String: Any]] ?? []
            var names: Set<String> = [], positionals: [String] = []
            for argument in arguments {
                if argument["kind"] as? String == "positional" { positionals.append(argument["valueName"] as? String ?? "") }
                for name in argument["names"] as? [[String: Any]] ?? [] {
                    let text = name["name"] as? String ?? ""
                    names.insert((name["kind"] as? String == "short" ? "-" : "--") + text)
                }
            }
            found.append(Command(path: path, names: names, positionals: positionals,
                                 helps: arguments.compactMap { $0["abstract"] as? String },
                                 discussion: command["discussion"] as? String ?? ""))
        }
        walk(try XCTUnwrap(tool["command"] as? [String: Any]), path: [])
        return found
    }

    /// A table is `--data`, a checkpoint `--checkpoint`, a tokenizer `--tokenizer` wherever a command takes one (a positional
    /// form is kept beside it, never instead); an output file or folder is `-o`/`--output`.
    func testTheSameThingHasTheSameOption() throws {
        let all = try commands()
        XCTAssertGreaterThan(all.count, 18)
        for command in all {
            let path = command.path.joined(separator: " ")
            if command.positionals.contains("data") || command.names.contains("--train") {
                XCTAssertTrue(command.names.contains("--data"), "\(path) reads a table without --data")
            }
            if command.positionals.contains("checkpoint") || command.positionals.contains("folder") {
                XCTAssertTrue(command.names.contains("--checkpoint"), "\(path) reads a checkpoint without --checkpoint")
            }
            if command.positionals.contains("tokenizer") || command.positionals.contains("model") {
                XCTAssertTrue(command.names.contains("--tokenizer"), "\(path) reads a tokenizer without --tokenizer")
            }
            if command.names.contains("--output") { XCTAssertTrue(command.names.contains("-o"), "\(path) has --output without -o") }
        }
        let evaluate = try XCTUnwrap(all.first { $0.path == ["evaluate"] })
        XCTAssertTrue(evaluate.names.isSuperset(of: ["--data", "--train", "-o", "--output", "--report"]), "\(evaluate.names)")
    }

    /// Every default reads "(default: …)": ArgumentParser writes it so for a default value, and the
    /// help texts that describe a computed default use the same form.
    func testDefaultsAreWrittenOneWay() throws {
        let pattern = try NSRegularExpression(pattern: #"\(default [^:]|; default [0-9]|\(default\)"#)
        for command in try commands() {
            for help in command.helps {
                XCTAssertNil(pattern.firstMatch(in: help, range: NSRange(help.startIndex..., in: help)),
                             "\(command.path.joined(separator: " ")): \(help)")
            }
        }
    }

    /// Every command's help ends with an example of itself that parses as written (after joining the
    /// shell's line continuations), and every line of it fits 80 columns when printed.
    func testEveryHelpHasAnExampleThatParses() throws {
        for command in try commands() {
            let path = command.path.joined(separator: " ")
            guard let range = command.discussion.range(of: "Example:\n") else {
                XCTFail("\(path): no example in its help")
                continue
            }
            let block = command.discussion[range.upperBound...]
            for line in block.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, 80, "\(path): \(line)")
            }
            let joined = block.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n")
            let own = joined.flatMap { $0.split(separator: "|") }.filter { $0.trimmingCharacters(in: .whitespaces).hasPrefix("tablm \(path)") }
            XCTAssertFalse(own.isEmpty, "\(path): the example does not run tablm \(path)")
            for line in joined {
                for segment in line.split(separator: "|") {
                    let words = try Self.shellWords(String(segment))
                    guard words.first == "tablm" else { continue }
                    XCTAssertNoThrow(try Tablm.parseAsRoot(Array(words.dropFirst())), "\(path): \(segment)")
                }
            }
        }
    }

    /// Words of a command line: spaces split, single quotes keep (enough for the examples).
    static func shellWords(_ line: String) throws -> [String] {
        var words: [String] = [], current = "", quoted = false, any = false
        for character in line {
            if character == "'" { quoted.toggle(); any = true }
            else if character == " " && !quoted { if any { words.append(current) }; current = ""; any = false }
            else { current.append(character); any = true }
        }
        if any { words.append(current) }
        guard !quoted else { throw ValidationError("unbalanced quote in \(line)") }
        return words
    }

    /// `--version`, and a mistyped subcommand at any depth named with the nearest one (ArgumentParser
    /// alone answered "Unknown option '--data'").
    func testVersionAndMistypedCommands() throws {
        let here = FileManager.default.temporaryDirectory
        let version = try CommandRunner.run(["--version"], in: here)
        XCTAssertEqual(version.status, 0)
        XCTAssertEqual(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines), TablmVersion.string)
        let cases: [([String], String)] = [
            (["fintune", "--data", "x.csv"], "'tablm fintune': no such command (did you mean 'finetune'?)"),
            (["schema", "infr", "x.csv"], "'tablm schema infr': no such command (did you mean 'infer'?)"),
            (["privacy", "epsilon", "chekpoint", "ck"], "'tablm privacy epsilon chekpoint': no such command (did you mean 'checkpoint'?)"),
            (["Evaluate"], "'tablm Evaluate': no such command (did you mean 'evaluate'?)"),
            // `help` of a name that is no command printed the root's help and exited 0.
            (["help", "nosuch"], "'tablm help nosuch': no such command"),
            (["help", "privacy", "epsilom"], "'tablm help privacy epsilom': no such command (did you mean 'epsilon'?)"),
        ]
        for (arguments, message) in cases {
            let result = try CommandRunner.run(arguments, in: here)
            XCTAssertEqual(result.status, 64, "\(arguments)")
            XCTAssertTrue(result.stderr.hasPrefix("Error: " + message), result.stderr)
        }
        let far = try CommandRunner.run(["zzz"], in: here)
        XCTAssertEqual(far.status, 64)
        XCTAssertFalse(far.stderr.contains("did you mean"), far.stderr)
        XCTAssertEqual(try CommandRunner.run(["help", "generate"], in: here).status, 0)
    }

    /// A refusal of the command line is the one line naming the option and a pointer to the command's
    /// help: ArgumentParser's own text added the option's help and the whole usage below the line.
    func testAParseRefusalIsOneLineAndAPointer() throws {
        let here = FileManager.default.temporaryDirectory
        let cases: [([String], String, String)] = [
            (["finetune", "--epochs", "x", "--schema", "s.json", "--data", "d.csv", "-o", "ck"],
             "Error: The value 'x' is invalid for '--epochs <epochs>'", "tablm finetune"),
            (["finetune", "--nosuch", "--schema", "s.json", "--data", "d.csv", "-o", "ck"], "Error: Unknown option '--nosuch'", "tablm finetune"),
            (["generate", "--checkpoint"], "Error: Missing value for '--checkpoint <checkpoint>'", "tablm generate"),
            // A command's validate(): the width refusal; and a default subcommand named by the parser.
            (["finetune", "--width", "130", "--schema", "s.json", "--data", "d.csv", "-o", "ck"],
             "Error: --width 130 is not a multiple of --heads 4", "tablm finetune"),
            (["privacy", "epsilon"], "Error: Missing expected argument '--sample-rate <sample-rate>'", "tablm privacy epsilon settings"),
        ]
        for (arguments, message, command) in cases {
            let result = try CommandRunner.run(arguments, in: here)
            XCTAssertEqual(result.status, 64, "\(arguments)")
            let lines = result.stderr.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 2, result.stderr)
            XCTAssertTrue(lines.first?.hasPrefix(message) == true, result.stderr)
            XCTAssertEqual(lines.last, "See '\(command) --help' for more information.", result.stderr)
        }
        let help = try CommandRunner.run(["finetune", "--help"], in: here)
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: tablm finetune"), help.stdout)
    }
}
