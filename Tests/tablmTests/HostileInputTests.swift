import Foundation
import XCTest

/// Inputs a hostile or careless user gives, each answered in bounded time with one line and exit 1
/// or 64, or, where the input is legitimate, with the right output (issue 34's list, case by case).
final class HostileInputTests: XCTestCase {
    private var folder: URL!
    private let sample = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
    private let publicSchema = CommandRunner.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path

    override func setUpWithError() throws {
        folder = try CommandRunner.scratchFolder(self)
    }

    private func expectRefused(_ arguments: [String], _ message: String, status: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        let before = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        let started = Date()
        let result = try CommandRunner.run(arguments, in: folder)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("Error") }
        XCTAssertEqual(errors.count, 1, result.stderr, file: file, line: line)
        XCTAssertTrue(errors.first?.contains(message) ?? false, "\(message) in \(result.stderr)", file: file, line: line)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "answered in bounded time", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), before, "nothing written", file: file, line: line)
    }

    func testDevicesAreNotReadForever() throws {
        try expectRefused(["serialize", "--schema", publicSchema, "/dev/zero"], "/dev/zero: is a device, FIFO or socket, not a file", status: 1)
        try expectRefused(["parse", "--schema", publicSchema, "/dev/zero", "-o", "rows.csv"], "/dev/zero: is a device", status: 1)
        try expectRefused(["schema", "infer", "/dev/zero", "-o", "s.json"], "/dev/zero: is a device", status: 1)
        try expectRefused(["finetune", "--schema", "/dev/zero", "--data", sample, "-o", "ck"], "/dev/zero: is a device", status: 1)
    }

    func testSizesAndDeclarationsAreBoundedBeforeWork() throws {
        try expectRefused(["audit", "--work", "w", "--canaries", "1000000000", "--schema", publicSchema, "--data", sample], "--canaries must be in [10, 1000000]", status: 64)
        try expectRefused(["finetune", "--schema", publicSchema, "--data", sample, "--batch-size", "100000000", "-o", "ck"], "--batch-size must be in [1, 65536]", status: 64)
        let infer = ["schema", "infer", sample, "--dp-epsilon", "100", "-o", "s.json"]
        try expectRefused(infer + ["--numeric", "age=0..120", "--numeric", "age=0..50"], "--numeric names column 'age' twice", status: 64)
        try expectRefused(infer + ["--numeric", "age=-inf..120"], "bounds must be finite", status: 64)
    }

    func testResumingWithFewerStepsThanDoneIsRefused() throws {
        let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4"]
        let trained = try CommandRunner.run(["finetune", "--schema", publicSchema, "--data", sample, "--steps", "3", "-o", "ck"] + tiny, in: folder)
        XCTAssertEqual(trained.status, 0, trained.stderr)
        for steps in ["2", "3"] {
            try expectRefused(["finetune", "--schema", publicSchema, "--data", sample, "--steps", steps, "--resume", "ck", "-o", "ck"] + tiny,
                              "--steps \(steps): the resumed checkpoint has run 3 steps already", status: 64)
        }
    }

    /// A condition's operator is its first `=`, `<` or `>`, so a value may hold the others; a value an
    /// integer column cannot hold is refused rather than rounded (30.5 was written as 31).
    func testConditionsSayWhatTheyMean() throws {
        let tiny = ["--layers", "1", "--width", "16", "--heads", "2", "--batch-size", "4", "--steps", "2"]
        XCTAssertEqual(try CommandRunner.run(["finetune", "--schema", publicSchema, "--data", sample, "-o", "ck"] + tiny, in: folder).status, 0)
        try expectRefused(["generate", "--checkpoint", "ck", "--rows", "5", "--condition", "age=30.5", "-o", "rows.csv"], "'age' keeps 0 decimals", status: 1)
        let result = try CommandRunner.run(["generate", "--checkpoint", "ck", "--rows", "20", "--condition", "income=>50K", "-o", "rows.csv"], in: folder)
        XCTAssertEqual(result.status, 0, result.stderr)
        let rows = try String(contentsOf: folder.appendingPathComponent("rows.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        XCTAssertEqual(rows.count, 20)
        XCTAssertTrue(rows.allSatisfy { $0.hasSuffix(",>50K") }, "\(rows)")
    }

    /// Row text must read back as written: a category holding the separator, another column's name
    /// and the field text is refused when the schema is made, naming the column; so is one of 600 characters.
    func testAmbiguousOrHugeValuesAreRefusedAtSchemaTime() throws {
        try Data("a,b\n\"x, b is y\",w\nx,\"y\"\n".utf8).write(to: folder.appendingPathComponent("ambiguous.csv"))
        try expectRefused(["schema", "infer", "ambiguous.csv", "-o", "s.json"], "category 'x, b is y' of column 'a' contains ', b is '", status: 1)
        try Data("a,b\n\(String(repeating: "z", count: 600)),w\nx,y\n".utf8).write(to: folder.appendingPathComponent("long.csv"))
        try expectRefused(["schema", "infer", "long.csv", "-o", "s.json"], "has 600 characters; at most 512", status: 1)
        // A separator inside a value is fine where no column's field follows it.
        try Data("a,b\n\"Self-emp, inc\",w\nx,y\n".utf8).write(to: folder.appendingPathComponent("fine.csv"))
        XCTAssertEqual(try CommandRunner.run(["schema", "infer", "fine.csv", "-o", "fine.json"], in: folder).status, 0)
    }
}
