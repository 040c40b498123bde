import Foundation
import XCTest

/// One output policy for every command (`OutputDestination`): an output that is an input, a device,
/// a FIFO, a symbolic link, read-only, or a folder holding files tablm did not write is refused before
/// any work, with one line naming the option and exit 64, and nothing is replaced or deleted.
final class OutputPolicyTests: XCTestCase {
    private var folder: URL!
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path
    private let tiny = ["--steps", "1", "--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4"]

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
        try FileManager.default.copyItem(atPath: sample, toPath: folder.appendingPathComponent("train.csv").path)
        try FileManager.default.copyItem(atPath: publicSchema, toPath: folder.appendingPathComponent("s.json").path)
    }

    private func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    /// Every file under the scratch folder with its bytes (links as their targets), to compare before and after.
    private func snapshot() throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: folder.path)!
        while let name = enumerator.nextObject() as? String {
            let full = path(name)
            if let target = try? FileManager.default.destinationOfSymbolicLink(atPath: full) { files[name] = Data(("link:" + target).utf8); continue }
            var isFolder: ObjCBool = false
            FileManager.default.fileExists(atPath: full, isDirectory: &isFolder)
            var status = stat()
            lstat(full, &status)
            files[name] = isFolder.boolValue ? Data("folder".utf8) : status.st_mode & S_IFMT == S_IFIFO ? Data("fifo".utf8) : FileManager.default.contents(atPath: full)
        }
        return files
    }

    private func expectRefused(_ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try snapshot()
        let started = Date()
        let result = try CommandRunner.run(arguments, in: folder)
        XCTAssertEqual(result.status, 64, result.stderr, file: file, line: line)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }
        XCTAssertEqual(errors.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(errors.first?.contains(message) ?? false, "\(message) in \(result.stderr)", file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "refused before any work", file: file, line: line)
        XCTAssertEqual(try snapshot(), before, "nothing replaced, deleted or left behind", file: file, line: line)
    }

    func testAnOutputNeverReplacesAnInput() throws {
        let finetune = ["finetune", "--schema", "s.json", "--data", "train.csv"] + tiny
        try expectRefused(finetune + ["-o", "train.csv"], "-o train.csv is an input of this command")
        try expectRefused(finetune + ["-o", "s.json"], "-o s.json is an input of this command")
        try FileManager.default.createDirectory(atPath: path("data"), withIntermediateDirectories: false)
        try FileManager.default.copyItem(atPath: sample, toPath: path("data/train.csv"))
        try Data("notes\n".utf8).write(to: folder.appendingPathComponent("data/notes.txt"))
        try expectRefused(["finetune", "--schema", "s.json", "--data", "data/train.csv"] + tiny + ["-o", "data"], "-o data holds data/train.csv")
        try expectRefused(finetune + ["-o", "data"], "holds files that are not a checkpoint's ('notes.txt', 'train.csv')")
        try expectRefused(["audit", "--canaries", "10", "--schema", "s.json", "--data", "train.csv", "-o", "data"],
                          "holds files that are not an audit's ('notes.txt', 'train.csv')")
        try expectRefused(["evaluate", "--train", "train.csv", "--test", "train.csv", "--synthetic", "train.csv", "--schema", "s.json",
                           "--target", "income", "-o", "train.csv"], "-o train.csv is an input")
        try expectRefused(["serialize", "--schema", "s.json", "train.csv", "-o", "s.json"], "-o s.json is an input")
        try expectRefused(["schema", "infer", "train.csv", "-o", "train.csv"], "-o train.csv is an input")

        XCTAssertEqual(try CommandRunner.run(finetune + ["-o", "ck"], in: folder).status, 0)
        try expectRefused(["generate", "--checkpoint", "ck", "--rows", "5", "-o", "ck/config.json"], "-o ck/config.json lies inside ck")
        // A run resumed into its own folder is the one case where the input is the output.
        let resumed = try CommandRunner.run(["finetune", "--schema", "s.json", "--data", "train.csv", "--steps", "2", "--resume", "ck", "-o", "ck"], in: folder)
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
    }

    func testLinksDevicesFifosAndReadOnlyFilesAreNotReplaced() throws {
        let serialize = ["serialize", "--schema", "s.json", "train.csv", "-o"]
        try FileManager.default.createSymbolicLink(atPath: path("link.txt"), withDestinationPath: "elsewhere.txt")
        try expectRefused(serialize + ["link.txt"], "-o link.txt is a symbolic link")
        XCTAssertEqual(mkfifo(path("fifo"), 0o644), 0)
        try expectRefused(serialize + ["fifo"], "-o fifo is a device, FIFO or socket")
        try expectRefused(serialize + ["/dev/null"], "-o /dev/null is a device, FIFO or socket")
        var status = stat()
        XCTAssertEqual(stat("/dev/null", &status), 0)
        XCTAssertEqual(status.st_mode & S_IFMT, S_IFCHR, "/dev/null is still a device")
        try Data("keep\n".utf8).write(to: folder.appendingPathComponent("locked.txt"))
        chmod(path("locked.txt"), 0o444)
        try expectRefused(serialize + ["locked.txt"], "-o locked.txt is read-only")

        // A file that may be replaced keeps its mode.
        try Data("old\n".utf8).write(to: folder.appendingPathComponent("rows.txt"))
        chmod(path("rows.txt"), 0o640)
        XCTAssertEqual(try CommandRunner.run(serialize + ["rows.txt"], in: folder).status, 0)
        XCTAssertEqual(stat(path("rows.txt"), &status), 0)
        XCTAssertEqual(status.st_mode & 0o777, 0o640)
        XCTAssertNotEqual(FileManager.default.contents(atPath: path("rows.txt")), Data("old\n".utf8))
    }

    func testAPrivateCheckpointIsReplacedOnlyWithForce() throws {
        let finetune = ["finetune", "--schema", "s.json", "--data", "train.csv"] + tiny + ["-o", "ck"]
        XCTAssertEqual(try CommandRunner.run(finetune, in: folder).status, 0)
        XCTAssertEqual(try CommandRunner.run(finetune, in: folder).status, 0, "a non-private checkpoint is replaced by a non-private run")
        // Mark it private as a private run's record does (the policy reads only whether privacy is recorded).
        let recordURL = folder.appendingPathComponent("ck/training.json")
        var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        record["privacy"] = ["epsilon": 1.0]
        try JSONSerialization.data(withJSONObject: record).write(to: recordURL)
        try expectRefused(finetune, "-o ck holds a private checkpoint, which this non-private run would replace; add --force")
        let forced = try CommandRunner.run(finetune + ["--force"], in: folder)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertFalse(String(decoding: try Data(contentsOf: recordURL), as: UTF8.self).contains("\"privacy\""))
    }

    /// A Hugging Face GPT-2 folder holds config.json and model.safetensors, names a checkpoint has
    /// too: without tablm's training record it is someone else's model, replaced only with --force.
    func testAModelFolderTablmDidNotWriteIsReplacedOnlyWithForce() throws {
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("hf"), withIntermediateDirectories: false)
        try Data("{\"model_type\": \"gpt2\"}".utf8).write(to: folder.appendingPathComponent("hf/config.json"))
        try Data(repeating: 7, count: 1000).write(to: folder.appendingPathComponent("hf/model.safetensors"))
        let finetune = ["finetune", "--schema", "s.json", "--data", "train.csv"] + tiny + ["-o", "hf"]
        try expectRefused(finetune, "-o hf holds model files but no training.json, so tablm did not write it; add --force")
        let forced = try CommandRunner.run(finetune + ["--force"], in: folder)
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: path("hf/training.json")))
    }

    func testAMissingFolderIsReportedBeforeTraining() throws {
        try expectRefused(["finetune", "--schema", "s.json", "--data", "train.csv", "--steps", "200", "-o", "missing/ck"], "-o missing/ck: the folder")
        try expectRefused(["generate", "--checkpoint", "nowhere", "-o", "missing/rows.csv"], "-o missing/rows.csv: the folder")
    }

    /// What a killed run (SIGKILL, a power cut) left beside a destination is tidied by the next write
    /// there: an unfinished temporary removed, a folder moved aside for a swap put back.
    func testStaleTemporariesOfDeadRunsAreTidied() throws {
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let dead = gone.processIdentifier
        let finetune = ["finetune", "--schema", "s.json", "--data", "train.csv"] + tiny
        XCTAssertEqual(try CommandRunner.run(finetune + ["-o", "ck"], in: folder).status, 0)
        try FileManager.default.createDirectory(atPath: path(".ck.\(dead).tablm-tmp"), withIntermediateDirectories: false)
        let mine = ".ck.\(ProcessInfo.processInfo.processIdentifier).tablm-tmp"
        try FileManager.default.createDirectory(atPath: path(mine), withIntermediateDirectories: false)
        XCTAssertEqual(try CommandRunner.run(finetune + ["-o", "ck"], in: folder).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path(".ck.\(dead).tablm-tmp")), "a dead run's temporary is removed")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path(mine)), "a running process's is left")

        // A private checkpoint "ck2" whose replacement was cut between moving it aside and moving the
        // new one in: the next write there puts it back, and then protects it as any private checkpoint.
        try FileManager.default.copyItem(atPath: path("ck"), toPath: path(".ck2.\(dead).tablm-old"))
        let recordURL = folder.appendingPathComponent(".ck2.\(dead).tablm-old/training.json")
        var record = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: recordURL)) as? [String: Any])
        record["privacy"] = ["epsilon": 1.0]
        try JSONSerialization.data(withJSONObject: record).write(to: recordURL)
        let refused = try CommandRunner.run(finetune + ["-o", "ck2"], in: folder)
        XCTAssertEqual(refused.status, 64, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("holds a private checkpoint"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path(".ck2.\(dead).tablm-old")))
        XCTAssertTrue(String(decoding: try Data(contentsOf: folder.appendingPathComponent("ck2/training.json")), as: UTF8.self).contains("privacy"))
    }

    func testAnInterruptedAuditLeavesNoWorkFolder() throws {
        let process = Process()
        process.executableURL = try CommandRunner.executable()
        process.arguments = ["audit", "--work", "audit", "--canaries", "10", "--schema", "s.json", "--data", "train.csv", "--steps", "100000",
                             "--layers", "1", "--width", "16", "--heads", "2"]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(60)
        while !FileManager.default.fileExists(atPath: path("audit")) && Date() < deadline && process.isRunning { usleep(20_000) }
        usleep(300_000)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 128 + SIGTERM)
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("audit")), "the work folder it created is removed")
    }
}
