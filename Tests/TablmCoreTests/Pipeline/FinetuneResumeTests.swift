import Foundation
import TablmCore
import XCTest

/// Continuing a private checkpoint without --dp: its record would keep claiming a guarantee the
/// weights no longer have. It was refused as "not the table the checkpoint was trained on", since a
/// private record keeps no hash of the table; now it says what is wrong before reading a row.
final class FinetuneResumeTests: XCTestCase {
    func testAPrivateCheckpointIsNotContinuedWithoutDP() throws {
        let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"])], source: .public)
        let folder = try Fixtures.scratchFolder(self)
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 16, width: 8, layers: 1, heads: 2))
        model.initializeParameters(seed: 1)
        var record = TrainingRecord(steps: 2, tokensSeen: 1)
        record.privacy = PrivacyRecord(epsilon: 1, delta: 1e-5, noiseMultiplier: 1, sampleRate: 0.1, clipNorm: 1, accountant: "rdp")
        let checkpoint = folder.appendingPathComponent("private").path
        try Checkpoint(model: model, tokenizer: tokenizer, schema: schema, template: .standard, record: record).save(to: checkpoint)
        var request = FinetuneRequest(data: folder.appendingPathComponent("absent.csv").path,
                                      schema: URL(fileURLWithPath: checkpoint).appendingPathComponent("schema.json").path,
                                      output: folder.appendingPathComponent("continued").path)
        request.resume = checkpoint
        request.steps = 4
        XCTAssertThrowsError(try FinetuneRun(request).run()) { error in
            XCTAssertEqual("\(error)", "--resume \(checkpoint): this checkpoint was trained with --dp; continue it with --dp and its --epsilon")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: request.output))
    }
}
