import ArgumentParser
import Foundation
import TablmCore

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Look inside checkpoints.",
        subcommands: [Checkpoint_.self, Logits.self]
    )

    struct Checkpoint_: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "checkpoint", abstract: "Print a checkpoint's config, tensors and training record.",
            discussion: "Example:\n  tablm inspect checkpoint --checkpoint out/adult-dp")

        @OptionGroup var checkpoint: CheckpointArgument
        var folder: String { checkpoint.path }

        func run() throws {
            let checkpoint = try Checkpoint.load(folder: folder)
            let config = checkpoint.model.config
            print("config: vocab_size \(config.vocabularySize), n_positions \(config.contextLength), n_embd \(config.width), n_layer \(config.layers), n_head \(config.heads)")
            print("parameters: \(checkpoint.model.parameterCount)")
            for tensor in checkpoint.model.layout.tensors {
                print("  \(tensor.name) \(tensor.shape)")
            }
            print("training: " + (try JSONOutput.text(checkpoint.record)))
        }
    }

    struct Logits: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the logits for a token sequence as JSON, shape [tokens][vocab]: for comparing with other implementations.",
            discussion: "Example:\n  tablm inspect logits --checkpoint out/adult-dp --token-ids 1,2,3")

        @Option(help: "Checkpoint folder (or any folder with model.safetensors and config.json).") var checkpoint: String
        @Option(help: "Comma-separated token ids.") var tokenIds: String

        func run() throws {
            let folder = URL(fileURLWithPath: checkpoint)
            let model = GPT2<Float>(config: try TablmCore.Checkpoint.loadConfig(path: folder.appendingPathComponent("config.json").path))
            try GPT2Weights.load(SafeTensorsFile(path: folder.appendingPathComponent("model.safetensors").path), into: model)
            let ids = try tokenIds.split(separator: ",").map { text -> Int32 in
                guard let id = Int32(text.trimmingCharacters(in: .whitespaces)), id >= 0, Int(id) < model.config.vocabularySize else {
                    throw ValidationError("--token-ids: \(quoted: text) is not a token id below \(model.config.vocabularySize)")
                }
                return id
            }
            guard !ids.isEmpty, ids.count <= model.config.contextLength else {
                throw ValidationError("--token-ids: give 1 to \(model.config.contextLength) ids")
            }
            let logits = model.logits(tokens: ids, batch: 1, length: ids.count)
            let v = model.config.vocabularySize
            let rows = (0..<ids.count).map { t in "[" + (0..<v).map { "\(logits[t * v + $0])" }.joined(separator: ",") + "]" }
            print("[" + rows.joined(separator: ",\n") + "]")
        }
    }
}
