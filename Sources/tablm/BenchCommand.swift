import ArgumentParser
import Foundation
import TablmCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure raw sgemm GFLOP/s at the model's shapes and training speed, in one run.",
        discussion: "Compare the ratios, not absolute numbers, across machines: both figures come from the same process and minute."
    )

    @Option(help: "Transformer blocks.") var layers = 4
    @Option(help: "Model width.") var width = 128
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Vocabulary size (Adult's schema tokenizer has about 190).") var vocab = 190
    @Option(help: "Rows per step.") var batchSize = 32
    @Option(help: "Tokens per row (Adult rows are about 70).") var length = 72
    @Option(help: "Training steps timed.") var steps = 5
    @Flag(help: "Print JSON instead of a table.") var json = false

    func run() throws {
        let config = GPT2Config(vocabularySize: vocab, contextLength: length, width: width, layers: layers, heads: heads)
        if let problem = config.problem { throw ValidationError(problem) }
        let result = TrainingBenchmark.run(config: config, batch: batchSize, length: length, steps: steps)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
            return
        }
        print("model: \(result.config); batch \(result.batch) x \(result.length) tokens; OpenBLAS \(result.blasCore)")
        for gemm in result.gemm {
            let name = gemm.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            print("  sgemm \(name)" + String(format: " %5d x %5d x %4d  %7.1f GFLOP/s", gemm.m, gemm.n, gemm.k, gemm.gflops))
        }
        print(String(format: "sgemm at the step's shapes      %7.1f GFLOP/s", result.gemmGFLOPS))
        print(String(format: "training step                   %7.1f ms, %.0f tokens/s, %.1f GFLOP/s", result.stepMilliseconds,
                     result.trainTokensPerSecond, result.trainGFLOPS))
        print(String(format: "training / sgemm                %7.2f", result.trainGFLOPS / result.gemmGFLOPS))
        print(String(format: "DP-SGD step (same batch)        %7.1f ms, %.2f x the non-private step", result.dpStepMilliseconds,
                     result.dpStepMilliseconds / result.stepMilliseconds))
    }
}
