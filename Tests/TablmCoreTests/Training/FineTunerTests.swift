import Foundation
import TablmCore
import XCTest

final class FineTunerTests: XCTestCase {
    private func setup(rows: Int? = nil, settings: FineTuneSettings, width: Int = 32, layers: Int = 2) throws -> (FineTuner, TableData) {
        let path = try Fixtures.bundledData("german_credit.csv")
        let schema = try SchemaInference.infer(csvPath: path).schema
        // Lead-in and value apart (no field pieces), so half the tokens are the structure the
        // held-out test below expects the model to learn.
        var options = TokenizerTrainer.Options()
        options.fieldPieceBudget = 0
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard, options: options).model)
        var table = try TableData.read(path: path, schema: schema)
        if let rows { table.rows = Array(table.rows.prefix(rows)) }
        let serializer = RowSerializer(schema: schema)
        let batcher = try RowBatcher(serializer: serializer, tokenizer: tokenizer, rows: table.rows, context: 128)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: batcher.length,
                                                  width: width, layers: layers, heads: 4))
        model.initializeParameters(seed: 2)
        let (train, heldOut) = table.split(heldOutFraction: 0.1, seed: 0)
        return (FineTuner(model: model, batcher: batcher, train: train, heldOut: heldOut, settings: settings), table)
    }

    /// Weights each finite that overflow together: the model's logits are not finite, which loading
    /// refuses (`outputProblem`), and a run given such a model stops at its first step with nothing
    /// saved, where it reported every step and a checkpoint it never wrote (the NaN held-out loss
    /// never beat the best).
    func testADivergedRunStopsWithoutACheckpoint() throws {
        var settings = FineTuneSettings(steps: 5, batchSize: 8, learningRate: 1e-3)
        settings.evaluateEvery = 1
        settings.patience = 2
        let (tuner, _) = try setup(rows: 60, settings: settings, width: 16, layers: 1)
        XCTAssertNil(tuner.model.outputProblem(), "an initialised model's logits are finite")
        for index in tuner.model.parameters.indices { tuner.model.parameters[index] = 3e38 }
        XCTAssertEqual(tuner.model.outputProblem()?.contains("logits are not finite"), true)
        var checkpoints: [Int] = [], steps = 0
        XCTAssertThrowsError(try tuner.run(progress: { _ in steps += 1 }, checkpoint: { checkpoints.append($0) })) { error in
            XCTAssertTrue((error as? InputError)?.message.contains("training diverged: the loss is") == true, "\(error)")
        }
        XCTAssertEqual(steps, 0)
        XCTAssertEqual(checkpoints, [])
    }

    /// A few hundred steps on German credit lower the held-out loss clearly (from the uniform level,
    /// ln(vocabulary), to well below half of it).
    func testHeldOutLossFallsOnGermanCredit() throws {
        var settings = FineTuneSettings(steps: 200, batchSize: 16, learningRate: 3e-3)
        settings.evaluateEvery = 0
        let (tuner, _) = try setup(settings: settings)
        let before = try XCTUnwrap(try tuner.heldOutLoss())
        XCTAssertEqual(before, log(Double(tuner.model.config.vocabularySize)), accuracy: 0.2, "an untrained model is near uniform")
        var heldOut: Double?
        try tuner.run(progress: { if let loss = $0.heldOutLoss { heldOut = loss } })
        let after = try XCTUnwrap(heldOut)
        XCTAssertLessThan(after, before * 0.5, "held-out loss \(before) -> \(after)")
    }

    /// Forty rows, a high rate and many steps overfit: the held-out loss falls, then rises. Early
    /// stopping checkpoints exactly at each new minimum of the scores it reported, stops `patience`
    /// scores after the last one, and names the minimum as the best step.
    func testEarlyStoppingKeepsTheBestScoreAndStopsAfterPatience() throws {
        var settings = FineTuneSettings(steps: 2000, batchSize: 8, learningRate: 1e-2)
        settings.warmupSteps = 5
        settings.evaluateEvery = 10
        settings.patience = 3
        let (tuner, _) = try setup(rows: 60, settings: settings, width: 32, layers: 2)
        var scores: [(step: Int, loss: Double)] = []
        var checkpoints: [Int] = []
        try tuner.run(progress: { p in if let loss = p.heldOutLoss { scores.append((p.step, loss)) } }, checkpoint: { checkpoints.append($0) })
        XCTAssertTrue(tuner.stoppedEarly, "60 rows overfit long before 2,000 steps")
        var minimum = Double.infinity
        let newMinima = scores.filter { score in
            defer { minimum = min(minimum, score.loss) }
            return score.loss < minimum
        }.map(\.step)
        XCTAssertEqual(checkpoints, newMinima)
        let best = try XCTUnwrap(tuner.best)
        XCTAssertEqual(best.step, scores.min { $0.loss < $1.loss }!.step)
        XCTAssertEqual(scores.last!.step, best.step + 3 * settings.evaluateEvery, "stops at the third score without a new best")
        XCTAssertLessThan(scores.last!.step, settings.steps)
    }

    /// Three steps, a checkpoint, and three more from it give the same weights as six straight
    /// steps; with a parameter average the checkpoint holds the average (not the iterate) and the
    /// resumed run still ends exactly where the straight one does.
    func testResumeContinuesExactly() throws {
        for decay in [nil, 0.9] {
            var settings = FineTuneSettings(steps: 6, batchSize: 4, learningRate: 1e-3)
            settings.evaluateEvery = 3
            settings.averageDecay = decay
            let (straight, _) = try setup(rows: 40, settings: settings, width: 16, layers: 1)
            var straightAtThree: [Float] = []
            var iterateAtThree: [Float] = []
            try straight.run(progress: { _ in }, checkpoint: { step in
                if step == 3 {
                    straightAtThree = Array(straight.model.parameters)
                    iterateAtThree = straight.average?.other ?? []
                }
            })

            let (first, _) = try setup(rows: 40, settings: settings, width: 16, layers: 1)
            let folder = try Fixtures.scratchFolder(self).appendingPathComponent("ckpt-\(decay ?? 0)").path
            struct Stop: Error {}
            do {
                try first.run(progress: { _ in }, checkpoint: { step in
                    try Checkpoint(model: first.model, tokenizer: first.batcher.tokenizer, schema: first.batcher.serializer.schema,
                                   template: .standard, record: TrainingRecord(steps: step))
                        .save(to: folder, optimizer: first.optimizer, average: first.average)
                    throw Stop()
                })
            } catch is Stop {}
            let loaded = try Checkpoint.load(folder: folder)
            XCTAssertEqual(loaded.record.steps, 3)
            XCTAssertEqual(Array(loaded.model.parameters), straightAtThree, "the checkpoint holds what was scored")
            if decay != nil { XCTAssertNotEqual(straightAtThree, iterateAtThree, "the average is not the iterate") }
            let (resumed, _) = try setup(rows: 40, settings: settings, width: 16, layers: 1)
            resumed.model.parameters.baseAddress!.update(from: loaded.model.parameters.baseAddress!, count: loaded.model.parameterCount)
            XCTAssertTrue(try Checkpoint.restoreOptimizer(folder: folder, into: resumed.optimizer, average: resumed.average,
                                                          parameters: resumed.model.parameters))
            try resumed.run(startStep: 3, progress: { _ in })
            for i in 0..<straight.model.parameterCount {
                XCTAssertEqual(resumed.model.parameters[i], straight.model.parameters[i], accuracy: 1e-6)
            }
        }
    }
}
