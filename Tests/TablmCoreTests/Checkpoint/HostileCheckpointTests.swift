import Foundation
import TablmCore
import XCTest

/// Checkpoint files edited the way an attacker would (the reproducers of the hostile-input issue):
/// each is refused with one line naming the file, never a trap or a huge allocation.
final class HostileCheckpointTests: XCTestCase {
    private let schema = Schema(columns: [.integer("age", min: 0, max: 99), .categorical("sex", ["Female", "Male"])], source: .public)

    private func saved() throws -> String {
        let tokenizer = try Tokenizer(modelBytes: TokenizerTrainer.train(schema: schema, template: .standard).model)
        let model = GPT2<Float>(config: GPT2Config(vocabularySize: tokenizer.vocabularySize, contextLength: 16, width: 8, layers: 1, heads: 2))
        model.initializeParameters(seed: 1)
        var record = TrainingRecord(steps: 1, tokensSeen: 1)
        var privacy = PrivacyRecord(epsilon: 1, delta: 1e-5, noiseMultiplier: 1, sampleRate: 0.1, clipNorm: 1, accountant: "pld")
        privacy.balance = GroupBalancedSampling(column: "sex", columnIndex: 1, groups: ["Female", "Male"], noisyCounts: [100, 300],
                                                countNoise: 20, expectedBatchSize: 40, maxBoost: 4)
        record.privacy = privacy
        let path = try Fixtures.scratchFolder(self).appendingPathComponent("ckpt").path
        try Checkpoint(model: model, tokenizer: tokenizer, schema: schema, template: .standard, record: record).save(to: path)
        return path
    }

    private func edit(_ file: String, in folder: String, _ change: (inout [String: Any]) -> Void) throws {
        let url = URL(fileURLWithPath: folder).appendingPathComponent(file)
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object).write(to: url)
    }

    private func refusal(_ folder: String) -> String {
        do {
            _ = try Checkpoint.load(folder: folder)
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    func testOversizedAndInconsistentConfigsAreRefused() throws {
        let cases: [(String, Any, String)] = [
            ("n_embd", 2_147_483_648, "n_embd 2147483648 is above the largest tablm accepts (16384)"),
            ("vocab_size", Int.max, "vocab_size \(Int.max) is above the largest tablm accepts"),
            ("n_positions", 1 << 62, "n_positions 4611686018427387904 is above the largest"),
            ("n_layer", 1_000_000, "n_layer 1000000 is above the largest tablm accepts (1024)"),
            ("layer_norm_epsilon", -1e-5, "layer_norm_epsilon -1e-05 is not in (0, 0.1]"),
            ("layer_norm_epsilon", 1e300, "is not in (0, 0.1]"),
            ("eos_token_id", 5000, "eos_token_id 5000 is outside the vocabulary"),
            ("model_type", "bert", "model_type 'bert' is not gpt2"),
        ]
        for (key, value, expected) in cases {
            let folder = try saved()
            // n_ctx, the old alias written beside n_positions, follows it.
            try edit("config.json", in: folder) { $0[key] = value; if key == "n_positions" { $0["n_ctx"] = value } }
            let message = refusal(folder)
            XCTAssertTrue(message.contains("config.json") && message.contains(expected), "\(key) = \(value): \(message)")
        }
        let big = try saved()
        try edit("config.json", in: big) { $0["n_embd"] = 16_384; $0["n_head"] = 2; $0["n_layer"] = 1024 }
        XCTAssertTrue(refusal(big).contains("parameters, more than tablm accepts (2147483648)"), refusal(big))
        let noPositions = try saved()
        try edit("config.json", in: noPositions) { $0["n_positions"] = nil }
        XCTAssertTrue(refusal(noPositions).contains("missing key 'n_positions'"), refusal(noPositions))
    }

    func testNonFiniteWeightsAreRefused() throws {
        let folder = try saved()
        let url = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: url)
        let header = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let json = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<8 + header)) as! [String: Any]
        let entry = try XCTUnwrap(json["ln_f.weight"] as? [String: Any])
        let start = 8 + header + (entry["data_offsets"] as! [Int])[0] + 4 * 3
        bytes.replaceSubrange(start..<start + 4, with: withUnsafeBytes(of: Float.nan.bitPattern.littleEndian) { Data($0) })
        try bytes.write(to: url)
        let message = refusal(folder)
        XCTAssertTrue(message.contains("model.safetensors: tensor 'ln_f.weight' holds nan at element 3: every weight must be finite"), message)
    }

    /// Every weight finite but all of them 3e38: the logits overflow, and `generate` wrote "valid"
    /// rows drawn from NaN logits, `finetune --init-from` trained on (spending ε) and wrote NaN.
    func testWeightsThatOverflowTogetherAreRefused() throws {
        let folder = try saved()
        let url = URL(fileURLWithPath: folder).appendingPathComponent("model.safetensors")
        var bytes = try Data(contentsOf: url)
        let header = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let huge = withUnsafeBytes(of: Float(3e38).bitPattern.littleEndian) { Data($0) }
        for start in stride(from: 8 + header, to: bytes.count, by: 4) { bytes.replaceSubrange(start..<start + 4, with: huge) }
        try bytes.write(to: url)
        let message = refusal(folder)
        XCTAssertTrue(message.contains("model.safetensors: its logits are not finite"), message)
    }

    /// A mechanism tablm never records is named as such, not by the Swift type that failed to hold it.
    func testAnUnknownMechanismIsNamed() throws {
        let folder = try saved()
        try edit("training.json", in: folder) { record in
            var privacy = record["privacy"] as! [String: Any]
            privacy["events"] = [["mechanism": "laplace", "noise_multiplier": 1.0]]
            record["privacy"] = privacy
        }
        let message = refusal(folder)
        XCTAssertTrue(message.contains("unknown mechanism 'laplace' at .privacy.events[0].mechanism (not one tablm writes)"), message)
        XCTAssertFalse(message.contains("Kind"), message)
    }

    /// An accountant tablm does not have is refused on loading with the file and the key named (it
    /// was refused later, by whichever command recomputed ε, with neither).
    func testAnUnknownAccountantIsNamedWithItsFile() throws {
        let folder = try saved()
        try edit("training.json", in: folder) { record in
            var privacy = record["privacy"] as! [String: Any]
            privacy["accountant"] = "xyz"
            record["privacy"] = privacy
        }
        let message = refusal(folder)
        XCTAssertTrue(message.contains("training.json: unknown accountant 'xyz' at .privacy.accountant (expected pld or rdp)"), message)
    }

    func testPrivacyRecordsNoRunWritesAreRefused() throws {
        for (key, value, expected) in [("delta", 2.0, "privacy.delta 2.0 is not in (0, 1)"), ("clip_norm", 0.0, "privacy.clip_norm 0.0 is not a finite C > 0"),
                                       ("noise_multiplier", -1.0, "privacy.noise_multiplier -1.0 is not a finite σ ≥ 0"),
                                       ("sample_rate", 1.5, "privacy.sample_rate 1.5 is not in [0, 1]"), ("epsilon", -3.0, "privacy.epsilon -3.0")]
            as [(String, Double, String)] {
            let folder = try saved()
            try edit("training.json", in: folder) { record in
                var privacy = record["privacy"] as! [String: Any]
                privacy[key] = value
                record["privacy"] = privacy
            }
            let message = refusal(folder)
            XCTAssertTrue(message.contains("training.json: ") && message.contains(expected), message)
        }
        let folder = try saved()
        try edit("training.json", in: folder) { $0["steps"] = -4 }
        XCTAssertTrue(refusal(folder).contains("training.json: steps -4 is negative"), refusal(folder))
    }

    /// Counts past any table and events no accountant answers for (`generate` trapped on a data_rows
    /// of 2⁶³ − 1, `privacy epsilon checkpoint` on σ = 1e-300 and ε = 1e300) are refused on loading.
    func testCountsAndEventsTheAccountantsCannotAnswerForAreRefused() throws {
        for (change, expected) in [
            ({ (r: inout [String: Any]) in r["data_rows"] = Int.max }, "data_rows \(Int.max) is not from 0 to \(TrainingRecord.largestCount)"),
            ({ (r: inout [String: Any]) in r["held_out_rows"] = -1 }, "held_out_rows -1 is not from 0"),
        ] as [((inout [String: Any]) -> Void, String)] {
            let folder = try saved()
            try edit("training.json", in: folder, change)
            XCTAssertTrue(refusal(folder).contains("training.json: ") && refusal(folder).contains(expected), refusal(folder))
        }
        let gaussian = { (sigma: Double, q: Double, steps: Int) -> [String: Any] in
            ["mechanism": "sampled_gaussian", "noise_multiplier": sigma, "sample_rate": q, "steps": steps]
        }
        for (change, expected) in [
            ({ (p: inout [String: Any]) in p["rate_rows"] = 1e300 }, "privacy.rate_rows 1e+300 is not a finite count"),
            ({ (p: inout [String: Any]) in p["events"] = [gaussian(1e-300, 0.01, 1)] }, "a privacy event needs"),
            ({ (p: inout [String: Any]) in p["events"] = [gaussian(1, 0.01, 1_000_000_000_000_000)] }, "a privacy event needs"),
            ({ (p: inout [String: Any]) in p["events"] = [gaussian(1e-300, 1, 1)] }, "a privacy event needs"),
            ({ (p: inout [String: Any]) in p["events"] = [["mechanism": "exponential", "epsilon": 1e300, "steps": 1]] }, "a privacy event needs"),
        ] as [((inout [String: Any]) -> Void, String)] {
            let folder = try saved()
            try edit("training.json", in: folder) { record in
                var privacy = record["privacy"] as! [String: Any]
                change(&privacy)
                record["privacy"] = privacy
            }
            XCTAssertTrue(refusal(folder).contains("training.json") && refusal(folder).contains(expected), refusal(folder))
        }
        // A release at q = 1 with a small σ is what a run at a large ε writes (the prior's last
        // measurements at ε = 10,000 are near σ = 0.01): it loads.
        let folder = try saved()
        try edit("training.json", in: folder) { record in
            var privacy = record["privacy"] as! [String: Any]
            privacy["events"] = [gaussian(0.01, 1, 3), gaussian(1, 0.1, 1)]
            record["privacy"] = privacy
        }
        XCTAssertEqual(refusal(folder), "loaded")
    }

    /// A category added to schema.json by hand, one the tokenizer cannot spell, was found only while
    /// sampling, as a character missing from the alphabet: it is refused on loading, naming it.
    func testASchemaItsTokenizerCannotSpellIsRefused() throws {
        let folder = try saved()
        try edit("schema.json", in: folder) { schema in
            var columns = schema["columns"] as! [[String: Any]]
            columns[1]["categories"] = ["Female", "Male", "Zyx"]
            schema["columns"] = columns
        }
        let message = refusal(folder)
        XCTAssertTrue(message.contains("schema.json: the checkpoint's tokenizer cannot spell the category 'Zyx' of 'sex'"), message)
    }

    func testAConfigThatAsksForMoreWeightsThanTheFileHoldsIsRefusedBeforeAllocating() throws {
        let folder = try saved()
        try edit("config.json", in: folder) { $0["n_layer"] = 100; $0["n_embd"] = 1024; $0["n_head"] = 2 }
        XCTAssertTrue(refusal(folder).contains("model.safetensors: the config needs 1259"), refusal(folder))
    }

    func testBalanceRecordsThatDoNotFitTheSchemaAreRefused() throws {
        for (change, expected) in [
            ({ (b: inout [String: Any]) in b["noisy_counts"] = [183.0] }, "2 groups, 1 noisy counts and 2 rates"),
            ({ (b: inout [String: Any]) in b["rates"] = [Double]() }, "2 groups, 2 noisy counts and 0 rates"),
            ({ (b: inout [String: Any]) in b["rates"] = [-0.5, 0.02] }, "balance rate -0.5 is not in (0, 1]"),
            ({ (b: inout [String: Any]) in b["noisy_counts"] = [1e308, 5] }, "is not a finite count"),
            ({ (b: inout [String: Any]) in b["column_index"] = 99 }, "balance column 99 'sex' is not a categorical column"),
            ({ (b: inout [String: Any]) in b["groups"] = ["Female", "Other"] }, "balance groups are not the categories of 'sex'"),
            ({ (b: inout [String: Any]) in b["noisy_counts"] = [0.0, 0.0] }, "balance rates do not follow from its noisy counts"),
            ({ (b: inout [String: Any]) in b["rates"] = [0.01, 0.5] }, "balance rates do not follow from its noisy counts"),
        ] as [((inout [String: Any]) -> Void, String)] {
            let folder = try saved()
            try edit("training.json", in: folder) { record in
                var privacy = record["privacy"] as! [String: Any]
                var balance = privacy["balance"] as! [String: Any]
                change(&balance)
                privacy["balance"] = balance
                record["privacy"] = privacy
            }
            let message = refusal(folder)
            XCTAssertTrue(message.contains("training.json: ") && message.contains(expected), message)
        }
    }
}
