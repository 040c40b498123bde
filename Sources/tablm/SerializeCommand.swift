import ArgumentParser
import TablmCore

struct SerializeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serialize",
        abstract: "Write each row of a CSV file as one line of row text.",
        discussion: """
        Example:
          tablm serialize --data Examples/adult-sample.csv \\
              --schema schema.json -o rows.txt
        """
    )

    @OptionGroup var rowText: RowTextOptions

    @OptionGroup var table: TableArgument
    var data: String { table.path }

    @Flag(help: "Put the columns of each row in a random order (as training text does).")
    var shuffleColumns = false

    @Option(help: "Seed for --shuffle-columns.")
    var seed: UInt64 = 0

    @Option(name: .shortAndLong, help: "Output file (default: stdout).")
    var output: String?

    func run() throws {
        if let output { try OutputDestination.checkFile(output, option: "-o", inputs: [data] + rowText.paths) }
        let serializer = try rowText.load()
        let reader = try CSVRecordReader(path: data)
        let decoder = try RowDecoder(schema: serializer.schema, header: reader.header, file: data)
        if !decoder.ignoredColumns.isEmpty {
            log("warning: ignoring columns not in the schema: \(decoder.ignoredColumns.joined(separator: ", "))")
        }
        let out = try TextOutput(path: output)
        var rowIndex = 0
        try reader.forEachRecord { record in
            let row = try decoder.row(from: record, file: data)
            let order = shuffleColumns ? serializer.columnOrder(seed: seed, rowIndex: rowIndex) : nil
            try out.writeLine(serializer.text(for: row, order: order))
            rowIndex += 1
        }
        try out.finish()
    }
}
