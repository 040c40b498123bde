import Foundation
import XCTest

/// Paths the tests read: the repository root, the bundled tables in `data/`, and scratch folders.
enum Fixtures {
    static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// A table of the repository's `data/` (UCI Adult, German credit; override the folder with
    /// TABLM_DATA).
    static func bundledData(_ name: String) throws -> String {
        let folder = ProcessInfo.processInfo.environment["TABLM_DATA"] ?? repositoryRoot.appendingPathComponent("data").path
        let path = (folder as NSString).appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: path) else {
            throw XCTSkip("\(path) is not there (set TABLM_DATA)")
        }
        return path
    }

    /// A fresh scratch folder, removed when the test ends.
    static func scratchFolder(_ test: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tablm-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Writes `bytes` to a file in `folder` and returns its path.
    @discardableResult
    static func write(_ bytes: [UInt8], named name: String, in folder: URL) throws -> String {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    @discardableResult
    static func write(_ text: String, named name: String, in folder: URL) throws -> String {
        try write(Array(text.utf8), named: name, in: folder)
    }
}
