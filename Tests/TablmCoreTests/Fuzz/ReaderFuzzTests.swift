import Foundation
import TablmCore
import XCTest

/// Seeded mutations of valid files of every kind tablm reads (`FileMutator`), fed to the reader
/// that reads it: each must end in a clean success or a thrown error whose message is one bounded
/// line, never a trap (which would take the whole test process down). A checkpoint that still
/// loads must also sample rows. The counts are printed for the closing note of the hostile-input
/// issue; the reproducers it lists are in `HostileCheckpointTests` and `Tests/tablmTests/BadInputTests`.
final class ReaderFuzzTests: XCTestCase {
    static let mutationsPerReader = 300

    private struct Tally: CustomStringConvertible {
        var accepted = 0, refused = 0
        var description: String { "\(accepted + refused) mutations: \(refused) refused, \(accepted) accepted" }
    }

    /// Runs `read` on `mutationsPerReader` mutations of `pristine`; the pristine file must be accepted.
    private func fuzz(_ name: String, _ pristine: [UInt8], seed: UInt64, file: StaticString = #filePath, line: UInt = #line,
                      read: ([UInt8]) throws -> Void) -> Tally {
        XCTAssertNoThrow(try read(pristine), "\(name): the pristine file is read", file: file, line: line)
        var mutator = FileMutator(seed: seed)
        var tally = Tally()
        for _ in 0..<Self.mutationsPerReader {
            let mutated = mutator.mutate(pristine)
            do {
                try read(mutated)
                tally.accepted += 1
            } catch {
                tally.refused += 1
                let message = "\(error)"
                XCTAssertFalse(message.contains("\n"), "\(name): one line, got \(message.prefix(300))", file: file, line: line)
                XCTAssertLessThanOrEqual(message.count, 1_500, "\(name): a bounded message", file: file, line: line)
            }
        }
        print("fuzz \(name): \(tally)")
        return tally
    }

    private var folder: URL!
    override func setUpWithError() throws { folder = try Fixtures.scratchFolder(self) }

    private func text(_ relative: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent(relative)))
    }

    func testSchemaCSVTemplateAndRowTextReaders() throws {
        let schemaBytes = try text("Examples/adult-public-schema.json")
        let schemaTally = fuzz("schema", schemaBytes, seed: 1) { bytes in
            _ = try SchemaFile.load(path: try Fixtures.write(bytes, named: "schema.json", in: folder))
        }
        let schema = try SchemaFile.load(path: try Fixtures.write(schemaBytes, named: "schema.json", in: folder))

        let csvLines = String(decoding: try text("Examples/adult-sample.csv"), as: UTF8.self).split(separator: "\n").prefix(31)
        let csv = Array((csvLines.joined(separator: "\n") + "\n").utf8)
        let csvTally = fuzz("csv", csv, seed: 2) { bytes in
            let path = try Fixtures.write(bytes, named: "rows.csv", in: folder)
            let reader = try CSVRecordReader(path: path)
            let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
            try reader.forEachRecord { record in _ = try decoder.row(from: record, file: path) }
            _ = try SchemaInference.infer(csvPath: path)
        }

        let templateTally = fuzz("row template", try text("Prompts/row-template.txt"), seed: 3) { bytes in
            _ = try RowTemplate.load(path: try Fixtures.write(bytes, named: "row-template.txt", in: folder))
        }

        let serializer = RowSerializer(schema: schema)
        let path = try Fixtures.write(csv, named: "rows.csv", in: folder)
        let reader = try CSVRecordReader(path: path)
        let decoder = try RowDecoder(schema: schema, header: reader.header, file: path)
        var lines: [String] = []
        try reader.forEachRecord { lines.append(serializer.text(for: try decoder.row(from: $0, file: path))) }
        let rowTextTally = fuzz("row text", Array(lines.joined(separator: "\n").utf8), seed: 4) { bytes in
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false) {
                _ = try serializer.parse(String(line))
            }
        }
        for tally in [schemaTally, csvTally, templateTally, rowTextTally] {
            XCTAssertGreaterThan(tally.refused, Self.mutationsPerReader / 10, "the mutations reach the checks")
        }
    }

    func testCheckpointReaders() throws {
        let schema = Schema(columns: [.integer("age", min: 17, max: 90), .categorical("sex", ["Female", "Male"]),
                                      .categorical("income", ["<=50K", ">50K"])], source: .public, target: "income")
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 32, width: 8, layers: 1, heads: 2))
        model.initializeParameters(seed: 1)
        var record = TrainingRecord(steps: 3, tokensSeen: nil)
        var privacy = PrivacyRecord(epsilon: 2, delta: 1e-5, noiseMultiplier: 1, sampleRate: 0.1, clipNorm: 1, accountant: "pld")
        privacy.balance = GroupBalancedSampling(column: "sex", columnIndex: 1, groups: ["Female", "Male"], noisyCounts: [100, 300],
                                                countNoise: 20, expectedBatchSize: 40, maxBoost: 4)
        privacy.events = [.gaussianRelease(noiseMultiplier: 20), PrivacyEvent(noiseMultiplier: 1, sampleRate: 0.1, steps: 3)]
        privacy.prior = PriorRecord(share: 0.75, rho: 0.02, measurements: [.init(columns: ["age"], sigma: 80)], pseudoRows: 64, steps: 2)
        record.privacy = privacy
        record.columnOrders = [["age", "sex", "income"]]
        let pristine = folder.appendingPathComponent("pristine").path
        try Checkpoint(model: model, tokenizer: tokenizer, schema: schema, template: .standard, record: record).save(to: pristine)
        let names = ["config.json", "training.json", "model.safetensors", "tokenizer.model", "schema.json", "row-template.txt"]
        let files = try names.map { Array(try Data(contentsOf: URL(fileURLWithPath: pristine).appendingPathComponent($0))) }
        let trial = folder.appendingPathComponent("trial")
        try FileManager.default.createDirectory(at: trial, withIntermediateDirectories: true)

        var settings = SamplingSettings()
        settings.batchSize = 2
        for (bytes, name) in zip(files, names) { try Data(bytes).write(to: trial.appendingPathComponent(name)) }
        for (index, name) in names.enumerated() {
            let tally = fuzz(name, files[index], seed: 10 + UInt64(index)) { bytes in
                let url = trial.appendingPathComponent(name)
                try Data(bytes).write(to: url)
                defer { try? Data(files[index]).write(to: url) }
                let loaded = try Checkpoint.load(folder: trial.path)
                if name == "training.json", let privacy = loaded.record.privacy {   // what `privacy epsilon checkpoint` does
                    _ = try PrivacyBudgetPlan(record: privacy, steps: loaded.record.steps).epsilon()
                }
                let constraint = try RowConstraint(schema: loaded.schema, template: loaded.template, tokenizer: loaded.tokenizer)
                let sampler = RowSampler(model: loaded.model, tokenizer: loaded.tokenizer,
                                         serializer: RowSerializer(schema: loaded.schema, template: loaded.template), constraint: constraint)
                // A template can make every row longer than the context: those rows are dropped and
                // counted with a reason (generate then refuses to write an empty table).
                let sampled = sampler.sample(count: 2, settings: settings, workers: 1)
                XCTAssertEqual(sampled.rows.count + sampled.invalid, 2, "\(name): every row sampled is kept or counted")
                XCTAssertTrue(sampled.invalid == 0 || !sampled.examples.isEmpty, "\(name): a dropped row says why")
            }
            XCTAssertGreaterThan(tally.refused, Self.mutationsPerReader / 10, "\(name): the mutations reach the checks")
        }
    }
}
