import ArgumentParser
import Foundation
import XCTest
@testable import tablm

/// Every numeric option of every command, found from the tool's own description (so a new option is
/// covered without editing this test), is fed NaN, ±inf, ±1e300 and -1: each must be refused while
/// the command line is parsed, before any file is read, with one line naming the option and exit 64.
/// A numeric option is one that refuses the word "abc" and lists no values (an enumeration does).
final class OptionRangesTests: XCTestCase {
    /// Arguments each command needs besides the one under test (files need not exist: parsing reads none).
    private let base: [String: [String]] = [
        "schema infer": ["d.csv", "-o", "s.json"],
        "serialize": ["--schema", "s.json", "d.csv"],
        "parse": ["--schema", "s.json", "rows.txt", "-o", "out.csv"],
        "tokenizer train": ["--schema", "s.json", "-o", "t.model"],
        "tokenize": ["--tokenizer", "t.model"],
        "finetune": ["--schema", "s.json", "--data", "d.csv", "-o", "ck"],
        "prior": ["--schema", "s.json", "--data", "d.csv", "--epsilon", "1", "-o", "out.csv"],
        "generate": ["--checkpoint", "ck", "-o", "out.csv"],
        "inspect checkpoint": ["ck"],
        "inspect logits": ["--checkpoint", "ck", "--token-ids", "1"],
        "bench": [],
        "tokenizer inspect": ["t.model"],
        "privacy epsilon checkpoint": ["ck"],
        "help": [],
        "privacy epsilon settings": ["--sample-rate", "0.01", "--steps", "10", "--noise-multiplier", "1", "--delta", "1e-5"],
        "privacy calibrate": ["--sample-rate", "0.01", "--steps", "10", "--epsilon", "1", "--delta", "1e-5"],
        "evaluate": ["--train", "d.csv", "--test", "d.csv", "--synthetic", "d.csv", "--schema", "s.json", "--target", "income"],
        "sweep": ["--data", "d.csv", "--test", "d.csv", "--schema", "s.json", "--target", "income", "-o", "sweep"],
        "audit": ["--work", "audit", "--schema", "s.json", "--data", "d.csv"],
        "export": ["--checkpoint", "ck", "--data", "d.csv", "--epsilon", "1", "-o", "bundle"],
        "import": ["result", "-o", "ck"],
    ]
    private let hostile = ["nan", "inf", "-inf", "1e300", "-1"]

    /// (command path, option) for every option of every leaf command, from `--experimental-dump-help`.
    private func options() throws -> [(command: String, option: String)] {
        let dump = try CommandRunner.run(["--experimental-dump-help"], in: FileManager.default.temporaryDirectory)
        let tool = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(dump.stdout.utf8)) as? [String: Any])
        var found: [(String, String)] = []
        func walk(_ command: [String: Any], path: [String]) {
            let subcommands = command["subcommands"] as? [[String: Any]] ?? []
            for sub in subcommands { walk(sub, path: path + [sub["commandName"] as? String ?? ""]) }
            guard subcommands.isEmpty else { return }
            // An option listing its values (an enumeration) is no number.
            for argument in command["arguments"] as? [[String: Any]] ?? [] where argument["kind"] as? String == "option" && argument["allValues"] == nil {
                let name = argument["preferredName"] as? [String: Any]
                let dash = name?["kind"] as? String == "long" ? "--" : "-"
                found.append((path.joined(separator: " "), dash + (name?["name"] as? String ?? "")))
            }
        }
        walk(try XCTUnwrap(tool["command"] as? [String: Any]), path: [])
        return found
    }

    /// What parsing `arguments` throws, described (nil when they parse). The description names the
    /// parser's case (`unableToParseValue` for a word that is no number, `userValidationError` for a
    /// refusal by a command's `validate()`, which the tool reports in one line with exit 64) and the
    /// message; `Tablm.message(for:)` would build the whole usage text each time, too slow for ~1000 cases.
    private static func refusal(_ arguments: [String]) -> String? {
        do {
            _ = try Tablm.parseAsRoot(arguments)
            return nil
        } catch {
            return String(reflecting: error)
        }
    }

    /// `refusal` of each argument list, on every core (a parse of finetune's options takes 0.3 s in a debug build).
    private func concurrently(_ argumentLists: [[String]]) -> [String?] {
        let outcomes = Outcomes(count: argumentLists.count)
        DispatchQueue.concurrentPerform(iterations: argumentLists.count) { outcomes.set($0, Self.refusal(argumentLists[$0])) }
        return outcomes.values
    }

    /// Each attention head takes width / heads of the width: a width the heads do not divide was
    /// refused only after the tokenizer was trained, as "n_embd 130 is not divisible by n_head 4".
    func testAWidthTheHeadsDoNotDivideIsRefusedByItsOptions() throws {
        for command in ["finetune", "bench"] {
            let refused = Self.refusal(command.split(separator: " ").map(String.init) + (base[command] ?? []) + ["--width", "130"])
            XCTAssertTrue(refused?.contains("--width 130 is not a multiple of --heads 4") == true, "\(command): \(refused ?? "taken")")
            XCTAssertNil(Self.refusal(command.split(separator: " ").map(String.init) + (base[command] ?? []) + ["--width", "132"]), command)
        }
    }

    func testEveryNumericOptionRefusesWhatItCannotTake() throws {
        // audit takes finetune's options through the same FinetuneOptions group: its own ones are tried.
        let all = try options()
        // The base arguments parse on their own, so a refusal below is the option's, not a missing one's.
        for command in Set(all.map(\.command)) {
            let arguments = command.split(separator: " ").map(String.init) + (self.base[command] ?? ["(no base arguments)"])
            XCTAssertNil(Self.refusal(arguments), "tablm \(arguments.joined(separator: " "))")
        }
        let shared = Set(all.filter { $0.command == "finetune" }.map(\.option))
        let candidates = all.filter { $0.command != "audit" || !shared.contains($0.option) }
        let numeric = concurrently(candidates.map { command, option in
            command.split(separator: " ").map(String.init) + (self.base[command] ?? []) + [option, "abc"]
        }).enumerated().compactMap { index, outcome in outcome?.contains("unableToParseValue") == true ? candidates[index] : nil }
        let cases = numeric.flatMap { command, option in hostile.map { (command, option, $0) } }
        let outcomes = concurrently(cases.map { command, option, value in
            command.split(separator: " ").map(String.init) + (self.base[command] ?? []) + [option, value]
        })
        for ((command, option, value), outcome) in zip(cases, outcomes) {
            XCTAssertNotNil(self.base[command], "no base arguments for \(command)")
            guard let outcome else { XCTFail("tablm \(command) \(option) \(value) was taken"); continue }
            // A command's own check names the option in its message; the parser's refusals (no integer,
            // or "-1" read as a missing value) name it as `long("seed")`. All are one line and exit 64.
            let named = outcome.contains("userValidationError") && outcome.contains(option)
                || (outcome.contains("unableToParseValue") || outcome.contains("missingValueForOption")) && outcome.contains("long(\"\(option.dropFirst(2))\")")
            XCTAssertTrue(named, "tablm \(command) \(option) \(value): \(outcome)")
        }
        // The count goes in the closing note; far fewer would mean the walk over the tool broke.
        print("OptionRangesTests: \(numeric.count) numeric options, \(cases.count) refusals checked")
        XCTAssertGreaterThan(numeric.count, 80)
    }
}

/// Results written by concurrent parses, each index once.
private final class Outcomes: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var values: [String?]

    init(count: Int) { values = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ value: String?) {
        lock.lock(); defer { lock.unlock() }
        values[index] = value
    }
}
