import ArgumentParser
import Foundation
import TablmCore

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Sample synthetic rows from a checkpoint and write them as CSV.",
        discussion: "Rows whose text does not fit the schema are dropped and counted on stderr."
    )

    @Option(help: "Checkpoint folder.") var checkpoint: String
    @Option(help: "Rows to sample.") var rows = 1000
    @Option(help: "Sampling temperature.") var temperature = 1.0
    @Option(help: "Sample from the k most likely tokens only (0: all).") var topK = 0
    @Option(help: "Sequences decoded together.") var batchSize = 64
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(name: .shortAndLong, help: "Output CSV file.") var output: String

    func run() throws {
        let loaded = try Checkpoint.load(folder: checkpoint)
        let serializer = RowSerializer(schema: loaded.schema, template: loaded.template)
        let writer = try CSVRecordWriter(path: output, header: loaded.schema.columnNames)
        var settings = SamplingSettings()
        settings.temperature = temperature
        settings.topK = topK
        settings.batchSize = batchSize
        settings.seed = seed
        let started = DispatchTime.now().uptimeNanoseconds
        let sampler = RowSampler(model: loaded.model, tokenizer: loaded.tokenizer, serializer: serializer)
        let result = sampler.sample(count: rows, settings: settings) { done in
            if done % max(batchSize, rows / 10) == 0 || done == rows { log("generate: \(done)/\(rows) sampled") }
        }
        for row in result.rows { try writer.write(RowDecoder.fields(of: row, schema: loaded.schema)) }
        try writer.commit()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        log(String(format: "generate: %d of %d rows fit the schema (%.1f%%), %d dropped; %.0f tokens/s -> %@",
                   result.rows.count, rows, 100 * Double(result.rows.count) / Double(max(rows, 1)), result.invalid,
                   Double(result.tokens) / seconds, output))
        for example in result.examples { log("  dropped: \(example)") }
    }
}
