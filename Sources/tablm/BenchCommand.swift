import ArgumentParser
import Foundation
import TablmCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure raw sgemm GFLOP/s at the model's shapes and training speed, in one run.",
        discussion: "Compare the ratios, not absolute numbers, across machines: both figures come from the same process and minute.\n\nExample:\n  tablm bench --rounds 5"
    )

    @Option(help: "Transformer blocks: 4 is the model of finetune --dp, 3 of finetune without --dp.") var layers = 4
    @Option(help: "Model width.") var width = 128
    @Option(help: "Attention heads.") var heads = 4
    @Option(help: "Vocabulary size; Adult's schema tokenizer has 220, and 190 stays the default so figures compare across versions.") var vocab = 190
    @Option(help: "Rows per step.") var batchSize = 32
    @Option(help: "Tokens per row; Adult rows are 35–42 with one piece per lead-in, and 72, their length before, stays the default so figures compare.") var length = 72
    @Option(help: "Training steps timed per round.") var steps = 5
    @Option(help: "Rounds, each timing the non-private and the DP steps back to back (and, with --schema, unconstrained and constrained sampling).") var rounds = 9
    @Option(help: "Schema for the sampling benchmark (constrained vs unconstrained); its tokenizer sets the vocabulary.") var schema: String?
    @Option(help: "Rows sampled per sampling measurement.") var sampleRows = 256
    @Option(name: .customLong("workers"), help: "Training workers (default: all cores, at most 8); the sgemm figure uses as many OpenBLAS threads.") var workerCount: Int?
    var workers: Int { workerCount ?? ModelWorkers.defaultCount }
    @Flag(help: "Print JSON instead of a table.") var json = false

    func validate() throws {
        let limits = GPT2Config.limits
        for (option, value, largest) in [("--layers", layers, limits.layers), ("--width", width, limits.width), ("--heads", heads, width),
                                         ("--vocab", vocab, limits.vocabulary), ("--batch-size", batchSize, TrainingRecipe.largestBatch),
                                         ("--length", length, limits.context), ("--steps", steps, 1 << 20), ("--rounds", rounds, 1 << 10),
                                         ("--sample-rows", sampleRows, 1 << 20), ("--workers", workerCount ?? 1, 256)] {
            try requireRange(option, value, .closed(1), .closed(Double(largest)))
        }
        if let problem = GPT2Config.headsProblem(width: width, heads: heads) { throw ValidationError(problem) }
    }

    struct Report: Encodable {
        var training: TrainingBenchmark.Result
        var sampling: SamplingBenchmark.Result?
        var peakResidentBytes: Int
    }

    /// The process's peak resident memory (getrusage reports kilobytes on Linux).
    static var peakResidentBytes: Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    func run() throws {
        // Before the sampling benchmark builds the model: with --schema its tokenizer sets the vocabulary, so 1 bounds it below.
        try TrainingBenchmark.requireMemory(config: GPT2Config(vocabularySize: schema == nil ? vocab : 1, contextLength: length, width: width, layers: layers,
                                                               heads: heads), batch: batchSize, length: length, workers: workers)
        var sampling: SamplingBenchmark.Result?
        var vocabulary = vocab
        if let schema {
            let measured = try SamplingBenchmark.run(schema: SchemaFile.load(path: schema), width: width, layers: layers, heads: heads, rows: sampleRows, rounds: rounds)
            sampling = measured.result
            vocabulary = measured.vocabularySize
        }
        let config = GPT2Config(vocabularySize: vocabulary, contextLength: length, width: width, layers: layers, heads: heads)
        if let problem = config.problem { throw ValidationError(problem) }
        let result = try TrainingBenchmark.run(config: config, batch: batchSize, length: length, steps: steps, rounds: rounds, workers: workers)
        if json {
            print(try JSONOutput.text(Report(training: result, sampling: sampling, peakResidentBytes: Self.peakResidentBytes)))
            return
        }
        print("model: \(result.config); batch \(result.batch) x \(result.length) tokens; OpenBLAS \(result.blasCore)")
        print("sgemm on \(result.gemmThreads) OpenBLAS thread(s); training on \(result.workers) worker(s) of one thread each")
        for gemm in result.gemm {
            let name = gemm.name.padding(toLength: 10, withPad: " ", startingAt: 0)
            print("  sgemm \(name)" + String(format: " %5d x %5d x %4d  %7.1f GFLOP/s", gemm.m, gemm.n, gemm.k, gemm.gflops))
        }
        print(String(format: "sgemm at the step's shapes      %7.1f GFLOP/s", result.gemmGFLOPS))
        print(String(format: "training step                   %7.1f ms, %.0f tokens/s, %.1f GFLOP/s", result.stepMilliseconds,
                     result.trainTokensPerSecond, result.trainGFLOPS))
        print(String(format: "training / sgemm                %7.2f", result.trainGFLOPS / result.gemmGFLOPS))
        print(String(format: "DP-SGD step (same batch)        %7.1f ms, %.0f tokens/s, %.1f GFLOP/s", result.dpStepMilliseconds,
                     result.dpTokensPerSecond, result.dpGFLOPS))
        print(String(format: "  of which Gaussian noise       %7.1f ms", result.noiseMilliseconds))
        print(String(format: "DP step / non-private step      %7.2f (median of %d paired rounds; %.2f to %.2f)", result.dpRatio, rounds,
                     result.dpRatioRange[0], result.dpRatioRange[1]))
        print(String(format: "  fastest DP round / fastest plain round %.2f", result.dpRatioOfFastest))
        if let sampling {
            print(String(format: "sampling, KV cache, batch %d, %d worker: unconstrained %.0f tokens/s, %.0f rows/s (each as long as its constrained twin)",
                         sampling.batch, sampling.workers, sampling.unconstrainedTokensPerSecond, sampling.unconstrainedRowsPerSecond))
            print(String(format: "                                          constrained   %.0f tokens/s, %.0f rows/s (%.0f%% valid)",
                         sampling.constrainedTokensPerSecond, sampling.constrainedRowsPerSecond, 100 * sampling.constrainedValidShare))
            print(String(format: "constrained / unconstrained cost per token  %.2f (median of %d paired rounds; %.2f to %.2f)", sampling.costRatio,
                         sampling.rounds, sampling.costRatioRange[0], sampling.costRatioRange[1]))
            print(String(format: "  each batch's fastest decodes, constrained / unconstrained %.2f", sampling.costRatioOfFastest))
        }
        print(String(format: "peak resident memory            %7.1f MiB", Double(Self.peakResidentBytes) / 1_048_576))
    }
}
