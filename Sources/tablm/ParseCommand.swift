import ArgumentParser
import Foundation
import TablmCore

struct ParseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parse",
        abstract: "Turn lines of row text back into a CSV file.",
        discussion: "Every line must fit the schema; the first that does not stops the command with its line and reason, unless --skip-invalid is given.\n\nExample:\n  tablm parse --schema schema.json rows.txt -o rows.csv"
    )

    @OptionGroup var rowText: RowTextOptions

    @Argument(help: "Text file with one row per line.")
    var text: String

    @Flag(help: "Drop lines that do not fit the schema (counted on stderr) instead of failing.")
    var skipInvalid = false

    @Option(name: .shortAndLong, help: "Output CSV file.")
    var output: String

    func run() throws {
        try OutputDestination.checkFile(output, option: "-o", inputs: [text] + rowText.paths)
        let serializer = try rowText.load()
        let lines = try TextLines(path: text)
        let writer = try CSVRecordWriter(path: output, header: serializer.schema.columnNames)
        var written = 0
        var invalid = 0
        while let (number, line) = try lines.next() {
            switch Result(catching: { () throws(RowTextError) -> Row in try serializer.parse(line) }) {
            case .success(let row):
                try writer.write(RowDecoder.fields(of: row, schema: serializer.schema))
                written += 1
            case .failure(let error):
                guard skipInvalid else {
                    throw InputError(error.reason, at: SourceLocation(file: text, line: number, column: error.position))
                }
                invalid += 1
            }
        }
        try writer.commit()
        log("parse: \(written) rows written to \(output)\(skipInvalid ? ", \(invalid) invalid lines dropped" : "")")
    }
}
