import Foundation
import TablmCore
import XCTest

final class TableDataTests: XCTestCase {
    /// A table read from a FIFO (how the Python package hands tablm a DataFrame without writing it
    /// to disk) gives the rows and the SHA-256 that the same bytes give from a file: a FIFO can be
    /// read once, so the reader must not go back to it for the hash.
    func testAFIFOReadsOnceAndMatchesTheFile() throws {
        let sample = Fixtures.repositoryRoot.appendingPathComponent("Examples/adult-sample.csv").path
        let schema = try SchemaFile.load(path: Fixtures.repositoryRoot.appendingPathComponent("Examples/adult-public-schema.json").path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: sample))
        let fifo = try Fixtures.scratchFolder(self).appendingPathComponent("table.csv").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Thread {
            let handle = FileHandle(forWritingAtPath: fifo)!
            handle.write(bytes)
            try? handle.close()
        }
        writer.start()
        let streamed = try TableData.read(path: fifo, schema: schema)
        let file = try TableData.read(path: sample, schema: schema)
        XCTAssertEqual(streamed.rows.count, 500)
        XCTAssertEqual(streamed.rows, file.rows)
        XCTAssertEqual(streamed.records, file.records)
        XCTAssertEqual(streamed.sha256, SHA256.hex(bytes))
        XCTAssertEqual(streamed.sha256, file.sha256)
    }
}
