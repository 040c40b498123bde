import Foundation
import XCTest

/// Ctrl-C or SIGTERM in the middle of a write leaves no hidden temporary file beside the output,
/// and the exit status is the one a shell expects (128 + the signal).
final class InterruptTests: XCTestCase {
    /// SIGTERM while a run writes checkpoint after checkpoint over the last: a cleanup racing the
    /// write left the staging folder (it was being filled while removed) or the old copy set aside
    /// for the swap, in 11 of 25 tries; the checkpoint is whole afterwards, old or new.
    func testTerminatedCheckpointWritesLeaveNothingAside() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        XCTAssertEqual(try CommandRunner.run(["schema", "infer", sample, "-o", "s.json"], in: folder).status, 0)
        let arguments = ["finetune", "--schema", "s.json", "--data", sample, "--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4",
                         "--eval-every", "1", "--patience", "0", "-o", "ckpt"]
        XCTAssertEqual(try CommandRunner.run(arguments + ["--steps", "1"], in: folder).status, 0)
        for attempt in 0..<8 {
            let process = Process()
            process.executableURL = try CommandRunner.executable()
            process.arguments = arguments + ["--steps", "3000"]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            usleep(useconds_t(1_500_000 + 97_000 * attempt))
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
            let aside = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains(".tablm-") }
            XCTAssertEqual(aside, [], "attempt \(attempt)")
            XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json"))), "attempt \(attempt)")
        }
    }

    func testTerminatedGenerateLeavesNoTemporaryFile() throws {
        let folder = try CommandRunner.scratchFolder(self)
        let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        XCTAssertEqual(try CommandRunner.run(["schema", "infer", sample, "-o", "s.json"], in: folder).status, 0)
        let trained = try CommandRunner.run(["finetune", "--schema", "s.json", "--data", sample, "--steps", "1", "--layers", "1",
                                             "--width", "16", "--heads", "2", "--batch-size", "4", "-o", "ckpt"], in: folder)
        XCTAssertEqual(trained.status, 0, trained.stderr)

        for signal in [SIGTERM, SIGINT] {
            let process = Process()
            process.executableURL = try CommandRunner.executable()
            process.arguments = ["generate", "--checkpoint", "ckpt", "--rows", "10000000", "--workers", "1", "-o", "out.csv"]
            process.currentDirectoryURL = folder
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            let deadline = Date().addingTimeInterval(60)
            func temporaries() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".tablm-tmp") }
            }
            while try temporaries().isEmpty && Date() < deadline && process.isRunning { usleep(20_000) }
            XCTAssertEqual(try temporaries().count, 1, "generate writes through a temporary file")
            usleep(200_000)
            kill(process.processIdentifier, signal)
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 128 + signal)
            XCTAssertEqual(try temporaries(), [], "signal \(signal): the temporary file is removed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out.csv").path))
        }
    }
}
