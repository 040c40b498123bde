import TablmCore
import XCTest

final class CSVRecordWriterTests: XCTestCase {
    func testAwkwardFieldsSurviveAWriteReadRoundTrip() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = folder.appendingPathComponent("out.csv").path
        let rows = [["a,b", "\"quoted\"", "line\nbreak"], [" padded ", "", "crlf\r\nx"], ["é ü 漢", "-", "x"]]
        let writer = try CSVRecordWriter(path: path, header: ["one", "two", "three"])
        for row in rows { try writer.write(row) }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "nothing at the destination before commit")
        try writer.commit()
        let reader = try CSVRecordReader(path: path)
        var read: [[String]] = []
        while let record = try reader.next() { read.append(record.fields) }
        XCTAssertEqual(reader.header, ["one", "two", "three"])
        XCTAssertEqual(read, rows)
    }

    func testAbandonedWriterLeavesTheOldFileAndNoTemporary() throws {
        let folder = try Fixtures.scratchFolder(self)
        let path = try Fixtures.write("old\n", named: "out.csv", in: folder)
        do {
            let writer = try CSVRecordWriter(path: path, header: ["new"])
            try writer.write(["row"])
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "old\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["out.csv"])
    }
}
