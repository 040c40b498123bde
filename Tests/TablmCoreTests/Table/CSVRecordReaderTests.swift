import TablmCore
import XCTest

final class CSVRecordReaderTests: XCTestCase {
    private func records(_ bytes: [UInt8]) throws -> (header: [String], records: [CSVRecord]) {
        let path = try Fixtures.write(bytes, named: "t.csv", in: try Fixtures.scratchFolder(self))
        let reader = try CSVRecordReader(path: path)
        var records: [CSVRecord] = []
        while let record = try reader.next() { records.append(record) }
        return (reader.header, records)
    }

    private func records(_ text: String) throws -> (header: [String], records: [CSVRecord]) {
        try records(Array(text.utf8))
    }

    private func error(_ text: String) throws -> InputError {
        try error(Array(text.utf8))
    }

    private func error(_ bytes: [UInt8]) throws -> InputError {
        do {
            _ = try records(bytes)
        } catch let error as InputError {
            return error
        }
        XCTFail("expected an InputError")
        return InputError("none")
    }

    func testQuotedFieldsWithCommasQuotesAndLineBreaks() throws {
        let (header, rows) = try records("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"two\nlines\"\nplain,,\"\"\n")
        XCTAssertEqual(header, ["a", "b", "c"])
        XCTAssertEqual(rows.map(\.fields), [["x, y", "say \"hi\"", "two\nlines"], ["plain", "", ""]])
        // The second record starts on line 4: the first one spans lines 2 and 3.
        XCTAssertEqual(rows.map(\.line), [2, 4])
    }

    func testCRLFAndByteOrderMark() throws {
        let (header, rows) = try records([0xEF, 0xBB, 0xBF] + Array("name,n\r\nAnn,1\r\n\"B\r\nob\",2\r\nCy,3".utf8))
        XCTAssertEqual(header, ["name", "n"], "the BOM must not become part of the first column name")
        XCTAssertEqual(rows.map(\.fields), [["Ann", "1"], ["B\r\nob", "2"], ["Cy", "3"]])
        XCTAssertEqual(rows.map(\.line), [2, 3, 5])
    }

    func testEmptyFieldsAreKeptAndBlankLinesSkipped() throws {
        let (_, rows) = try records("a,b\n,\n\n1,\n")
        XCTAssertEqual(rows.map(\.fields), [["", ""], ["1", ""]])
        XCTAssertEqual(rows.map(\.line), [2, 4])
    }

    func testRaggedRowNamesLineAndField() throws {
        let short = try error("a,b,c\n1,2,3\n1,2\n")
        XCTAssertEqual(short.location, SourceLocation(file: short.location!.file, line: 3, column: 2))
        XCTAssertTrue(short.message.contains("2 fields, the header has 3"), short.message)
        let long = try error("a,b\n1,2,3\n")
        XCTAssertEqual(long.location?.line, 2)
        XCTAssertEqual(long.location?.column, 3)
        XCTAssertFalse(short.message.contains("quote"), short.message)
        // A quote never closed takes the rest of the file into one field: the quote is named, at its line.
        let unclosed = try error("a,b\n\"1,2\n3,4\n")
        XCTAssertEqual(unclosed.location?.line, 2)
        XCTAssertTrue(unclosed.message.contains("row has 1 field, the header has 2; a quoted field opened here runs over 2 line breaks (a quote never closed?)"),
                      unclosed.message)
    }

    func testInvalidUTF8NamesLineAndField() throws {
        let problem = try error(Array("a,b\nok,fine\nok,b".utf8) + [0xFF, 0xFE] + Array("ad\n".utf8))
        XCTAssertEqual(problem.message, "invalid UTF-8")
        XCTAssertEqual(problem.location?.line, 3)
        XCTAssertEqual(problem.location?.column, 2)
        XCTAssertEqual(problem.location?.columnName, "b")
    }

    func testEmptyFileAndHeaderWithoutRows() throws {
        XCTAssertTrue(try error("").message.contains("the file is empty"))
        let path = try Fixtures.write("a,b\n", named: "h.csv", in: try Fixtures.scratchFolder(self))
        let reader = try CSVRecordReader(path: path)
        XCTAssertThrowsError(try reader.forEachRecord { _ in }) { error in
            XCTAssertTrue("\(error)".contains("header but no rows"), "\(error)")
        }
    }

    func testDuplicateAndEmptyColumnNames() throws {
        let duplicate = try error("age,sex,age\n1,2,3\n")
        XCTAssertEqual(duplicate.location?.line, 1)
        XCTAssertEqual(duplicate.location?.column, 3)
        XCTAssertTrue(duplicate.message.contains("duplicate column name 'age' (also column 1)"), duplicate.message)
        XCTAssertEqual(try error("a,,c\n1,2,3\n").location?.column, 2)
    }

    func testMissingFile() {
        XCTAssertThrowsError(try CSVRecordReader(path: "/nonexistent/x.csv")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/x.csv: no such file")
        }
    }

    /// A file written with another separator has a one-column header holding it: refused at line 1
    /// with what to do, not read as one column of text. A one-column file whose values hold a ';' is fine.
    func testOtherSeparatorsAreRefusedAtTheHeader() throws {
        for (text, name) in [("a;b;c\n1;2;3\n", "';'"), ("a\tb\n1\t2\n", "tab"), ("a|b\n1|2\n", "'|'")] {
            let error = try error(text)
            XCTAssertEqual(error.location?.line, 1, text)
            XCTAssertTrue(error.message.hasPrefix("the header is one column holding \(name): this file looks \(name)-separated"), error.message)
        }
        let (header, rows) = try records("note\nx;y\n")
        XCTAssertEqual(header, ["note"])
        XCTAssertEqual(rows.map(\.fields), [["x;y"]])
    }
}
