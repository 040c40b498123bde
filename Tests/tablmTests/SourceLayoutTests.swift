import Foundation
import XCTest

/// The house rules the layout keeps (issue "The pipeline lives in the core"), read from the sources
/// themselves: the core prints nothing, its folders depend one way, and the command line stays a
/// thin layer whose commands never run one another.
final class SourceLayoutTests: XCTestCase {
    private static let sources = CommandRunner.repositoryRoot.appendingPathComponent("Sources")

    /// Each Swift file of `folder` (recursively), as (path relative to `folder`, text without comments
    /// and string literals).
    private func swiftFiles(in folder: URL) throws -> [(path: String, code: String)] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        var files: [(String, String)] = []
        while let url = enumerator?.nextObject() as? URL {
            guard url.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: url, encoding: .utf8)
            files.append((String(url.path.dropFirst(folder.path.count + 1)), Self.code(text)))
        }
        return files.sorted { $0.0 < $1.0 }
    }

    /// `text` with comments and string literals blanked (a doc comment may name anything).
    static func code(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let withoutStrings = line.replacingOccurrences(of: #""(?:[^"\\]|\\.)*""#, with: "\"\"", options: .regularExpression)
            return withoutStrings.components(separatedBy: "//").first ?? ""
        }.joined(separator: "\n")
    }

    func testTheCorePrintsNothing() throws {
        let writers = [#"\bprint\("#, #"\bdebugPrint\("#, #"\bdump\("#, #"FileHandle\.standard(Error|Output)"#, #"\bfputs\("#, #"\bputs\("#,
                       #"\bperror\("#, #"\bstderr\b"#, #"\bstdout\b"#]
        for (path, code) in try swiftFiles(in: Self.sources.appendingPathComponent("TablmCore")) {
            for pattern in writers {
                XCTAssertNil(code.range(of: pattern, options: .regularExpression), "TablmCore/\(path) writes to the terminal (\(pattern)); send an event instead")
            }
        }
    }

    /// Folder A depends on folder B when A's code names a type declared at the top level of B. The
    /// graph must have no cycle (a type named in a method of an extension that lives in another folder
    /// is not seen: the check is by declared types).
    func testCoreFoldersDependOneWay() throws {
        let files = try swiftFiles(in: Self.sources.appendingPathComponent("TablmCore"))
        func folder(_ path: String) -> String { String(path.split(separator: "/").first!) }
        var owner: [String: String] = [:]
        let declaration = try NSRegularExpression(pattern: #"^(?:(?:public|final|private|fileprivate|internal|@\w+)\s+)*(?:struct|class|enum|protocol|actor|typealias)\s+([A-Z]\w*)"#,
                                                  options: .anchorsMatchLines)
        for (path, code) in files {
            for match in declaration.matches(in: code, range: NSRange(code.startIndex..., in: code)) {
                let name = String(code[Range(match.range(at: 1), in: code)!])
                if owner[name] == nil { owner[name] = folder(path) }
            }
        }
        XCTAssertGreaterThan(owner.count, 100, "the declarations were found")
        var edges: [String: Set<String>] = [:]
        let identifier = try NSRegularExpression(pattern: #"\b[A-Z]\w*\b"#)
        for (path, code) in files {
            let from = folder(path)
            for match in identifier.matches(in: code, range: NSRange(code.startIndex..., in: code)) {
                if let to = owner[String(code[Range(match.range, in: code)!])], to != from { edges[from, default: []].insert(to) }
            }
        }
        XCTAssertTrue(edges["Pipeline"]?.contains("Training") ?? false, "the graph was built")
        // Depth-first search for a back edge.
        var state: [String: Int] = [:]   // 1: on the stack, 2: done
        func visit(_ node: String, _ path: [String]) {
            state[node] = 1
            for next in (edges[node] ?? []).sorted() {
                if state[next] == 1 { XCTFail("folder cycle: " + (path + [node, next]).joined(separator: " -> ")) }
                if state[next] == nil { visit(next, path + [node]) }
            }
            state[node] = 2
        }
        for node in edges.keys.sorted() where state[node] == nil { visit(node, []) }
        // Lower folders stay below the ones that use them.
        for (low, high) in [("Accounting", "PrivateTraining"), ("Randomness", "Accounting"), ("Training", "Fairness"), ("Fairness", "Generation"),
                            ("Accounting", "Checkpoint"), ("Training", "Checkpoint"), ("Schema", "Table")] {
            XCTAssertFalse(edges[low]?.contains(high) ?? false, "\(low) must not depend on \(high)")
        }
    }

    /// The command line parses, calls the core and prints: short command files, and no command that
    /// runs another one.
    func testTheCommandLineIsThin() throws {
        let files = try swiftFiles(in: Self.sources.appendingPathComponent("tablm"))
        var total = 0
        for (path, code) in files {
            let lines = code.split(separator: "\n", omittingEmptySubsequences: false).count - (code.hasSuffix("\n") ? 1 : 0)   // as wc -l
            total += lines
            if path.hasSuffix("Command.swift") { XCTAssertLessThanOrEqual(lines, 150, "\(path) has \(lines) lines") }
            XCTAssertNil(code.range(of: #"[A-Z]\w*Command\.parse(AsRoot)?\("#, options: .regularExpression), "\(path) runs another command")
            XCTAssertNil(code.range(of: #"\bFineTuner\(|\bPrivateFineTuner\(|\bAIMMechanism\."#, options: .regularExpression),
                         "\(path) trains by itself instead of calling the core's run")
        }
        XCTAssertLessThanOrEqual(total, SourceLayoutTests.commandLineLines, "Sources/tablm has \(total) lines")
    }

    /// The command line's size at most: 2,343 lines when the pipeline lived in it, 1,520 after (1,533 with the fairness
    /// strength, 1,560 with --rows, --plan and --prior-bins, 1,572 with numeric options checked at parse time, 1,680 with
    /// every numeric option's range on a line of its own, the output checks and the one-line crash report, 1,802 with
    /// one grammar: an example in every help, --data and --checkpoint beside the positional forms, mistyped commands
    /// named, 1,815 with export --gpu, --prior-target-weight and --dp-blocks, 1,821 with --minutes, 1,823 with prior --target-pairs, 1,831 with writes to standard output that
    /// fail as one error line instead of a trap, and the width a multiple of the heads, 1,840 with the parser's refusals
    /// as one line and a pointer to the help, 1,841 with schema infer's δ warning, 1,845 with
    /// sweep's private points writing their released count and its per-point options kept, 1,848 with bench's memory
    /// check before the sampling benchmark builds its model, 1,841 with tokenize's reading and encoding in the core, 1,852
    /// with --eval-every and --held-out refused under --dp and sweep's point options refused as the sweep's, 1,853 with
    /// sweep refusing --test that is --data);
    /// what is left is mostly option declarations, their ranges, help text and examples.
    static let commandLineLines = 1_853
}
