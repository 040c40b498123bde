import Foundation
import XCTest

/// Runs the built `tablm` executable and captures what it printed.
struct CommandResult {
    var status: Int32
    var stdout: String
    var stderr: String
}

enum CommandRunner {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The `tablm` binary built beside this test bundle.
    static func executable() throws -> URL {
        let candidates = [
            Bundle.main.bundleURL.appendingPathComponent("tablm"),
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("tablm"),
            URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("tablm"),
        ]
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw XCTSkip("tablm binary not found next to the tests (\(candidates.map(\.path)))")
        }
        return found
    }

    /// A fresh scratch folder, removed when `test` ends.
    static func scratchFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tablm-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    static func run(_ arguments: [String], in folder: URL, input: String? = nil) throws -> CommandResult {
        try run(arguments, in: folder, stdin: .text(input ?? ""))
    }

    /// What the command reads on standard input: text written through a pipe, or a file (`/dev/zero`,
    /// or one too large to write through a pipe the command may stop reading).
    enum StandardInput {
        case text(String)
        case file(String)
    }

    /// `virtualMemoryKB`: runs the command under `ulimit -v`, so that a test of a refusal cannot take
    /// the machine's memory on code that allocates instead of refusing.
    static func run(_ arguments: [String], in folder: URL, stdin input: StandardInput, virtualMemoryKB: Int? = nil) throws -> CommandResult {
        let process = Process()
        let tablm = try executable()
        if let virtualMemoryKB {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "ulimit -v \(virtualMemoryKB) && exec \"$0\" \"$@\"", tablm.path] + arguments
        } else {
            process.executableURL = tablm
            process.arguments = arguments
        }
        process.currentDirectoryURL = folder
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let stdin = Pipe()
        switch input {
        case .text: process.standardInput = stdin
        case .file(let path): process.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        }
        try process.run()
        if case .text(let text) = input {
            stdin.fileHandleForWriting.write(Data(text.utf8))
            try stdin.fileHandleForWriting.close()
        }
        // Read both pipes before waiting so a large output cannot block the child.
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus,
                             stdout: String(decoding: outData, as: UTF8.self),
                             stderr: String(decoding: errData, as: UTF8.self))
    }
}
