import Foundation
import Dispatch

/// Measures, in one process, raw sgemm speed at the model's own matrix shapes and the speed of real
/// training steps, so their ratio is taken in the same conditions.
public enum TrainingBenchmark {
    public struct GEMMResult: Sendable, Codable {
        public var name: String
        public var m: Int, n: Int, k: Int
        public var gflops: Double
    }

    public struct Result: Sendable, Codable {
        public var config: String
        public var batch: Int
        public var length: Int
        public var gemm: [GEMMResult]
        /// Time-weighted sgemm rate over the shapes a training step uses.
        public var gemmGFLOPS: Double
        public var trainTokensPerSecond: Double
        public var trainGFLOPS: Double
        public var stepMilliseconds: Double
        /// The same batch as a DP-SGD step: per-row clipping (ghost norms, book-keeping sum) and noise.
        public var dpStepMilliseconds: Double
        /// The DP step's tokens/s and model GFLOP/s (the same 6·N·tokens + attention count: the ghost
        /// norms' extra work is overhead, not credited).
        public var dpTokensPerSecond: Double
        /// DP step time over non-private step time: the median of the rounds' ratios, each round timing
        /// the two kinds of step back to back, so load that comes and goes moves both sides of a ratio.
        public var dpRatio: Double
        /// The smallest and largest of those per-round ratios: how much the machine disturbed them.
        public var dpRatioRange: [Double]
        /// The fastest DP round over the fastest non-private round: other load only ever adds time,
        /// so the two minima are the least disturbed estimates of each.
        public var dpRatioOfFastest: Double
        /// Of the DP step: drawing and adding the Gaussian noise alone.
        public var noiseMilliseconds: Double
        public var dpGFLOPS: Double
        public var blasCore: String
        /// OpenBLAS threads for the sgemm measurement (all cores), and the training workers, each
        /// running its GEMMs on one thread.
        public var gemmThreads: Int
        public var workers: Int
    }

    /// Training FLOPs per token: 6 per parameter (forward 2, backward 4) without the position table,
    /// plus attention's two T×T products per layer (forward 4·T·C, three times that to train).
    public static func flopsPerToken(_ config: GPT2Config, length: Int) -> Double {
        let layout = ParameterLayout(config: config)
        let n = Double(layout.count - config.contextLength * config.width)
        return 6 * n + 12 * Double(config.layers * length * config.width)
    }

    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Repeats `body` until at least `minimum` seconds have passed; returns seconds per call.
    static func timePerCall(minimum: Double = 0.3, _ body: () -> Void) -> Double {
        body()   // warm up
        var calls = 0, total = 0.0
        repeat {
            total += seconds(body)
            calls += 1
        } while total < minimum
        return total / Double(calls)
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Refuses, before anything is allocated, a benchmark whose model, optimizer and step no memory
    /// holds (`TrainingMemory`: the synthetic steps keep no average), naming `bench`'s options.
    public static func requireMemory(config: GPT2Config, batch: Int, length: Int, workers: Int) throws {
        try TrainingMemory(config: config, rows: batch, length: length, workers: workers, keepsAverage: false)
            .require(modelOptions: "--width \(config.width) --layers \(config.layers)", stepOptions: "--batch-size \(batch) × --length \(length)")
    }

    /// `rounds` alternating timings of `steps` non-private and `steps` DP steps (after one warm-up of each).
    public static func run(config: GPT2Config, batch: Int, length: Int, steps: Int = 5, rounds: Int = 9,
                           workers workerCount: Int = ModelWorkers.defaultCount) throws -> Result {
        try requireMemory(config: config, batch: batch, length: length, workers: workerCount)
        BLASInfo.threads = workerCount
        let gemmThreads = BLASInfo.threads
        let rows = batch * length, c = config.width, v = config.vocabularySize
        let shapes: [(String, Int, Int, Int, Int)] = [   // name, m, n, k, times per step (forward + backward)
            ("qkv", rows, 3 * c, c, 3 * config.layers), ("attn proj", rows, c, c, 3 * config.layers),
            ("mlp up", rows, 4 * c, c, 3 * config.layers), ("mlp down", rows, c, 4 * c, 3 * config.layers),
            ("lm head", rows, v, c, 3),
        ]
        var results: [GEMMResult] = []
        var flops = 0.0, time = 0.0
        for (name, m, n, k, times) in shapes {
            let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
            var out = [Float](repeating: 0, count: m * n)
            let perCall = timePerCall {
                Float.gemm(transposeA: false, transposeB: false, m: m, n: n, k: k, alpha: 1, a: a, lda: k, b: b, ldb: n, beta: 0, c: &out, ldc: n)
            }
            let shapeFlops = 2 * Double(m * n * k)
            results.append(GEMMResult(name: name, m: m, n: n, k: k, gflops: shapeFlops / perCall / 1e9))
            flops += shapeFlops * Double(times)
            time += perCall * Double(times)
        }

        let synthetic = SyntheticSteps(config: config, batch: batch, length: length, workers: workerCount)
        func plainSteps() { synthetic.plainSteps(steps) }
        func privateSteps() { synthetic.privateSteps(steps) }
        // Rounds time the two kinds of step back to back, which goes first alternating, and the
        // medians are reported, so a burst of other load on the machine (or the clock settling
        // after the first) moves both figures alike rather than the ratio.
        plainSteps()
        privateSteps()
        var plainTimes: [Double] = [], privateTimes: [Double] = []
        for round in 0..<rounds {
            if round % 2 == 0 {
                plainTimes.append(seconds(plainSteps) / Double(steps))
                privateTimes.append(seconds(privateSteps) / Double(steps))
            } else {
                privateTimes.append(seconds(privateSteps) / Double(steps))
                plainTimes.append(seconds(plainSteps) / Double(steps))
            }
        }
        let step = median(plainTimes), dpStep = median(privateTimes)
        let ratios: [Double] = zip(privateTimes, plainTimes).map { $0 / $1 }
        let ratioRange: [Double] = [ratios.min() ?? 0, ratios.max() ?? 0]
        let flopsPerToken = flopsPerToken(config, length: length)
        let noiseTime = timePerCall { synthetic.addNoise() }
        let tokensPerSecond: Double = Double(rows) / step, dpTokensPerSecond: Double = Double(rows) / dpStep
        let gemmGFLOPS: Double = flops / time / 1e9
        let trainGFLOPS: Double = tokensPerSecond * flopsPerToken / 1e9, dpGFLOPS: Double = dpTokensPerSecond * flopsPerToken / 1e9
        let name = "\(config.layers) layers, width \(c), \(config.heads) heads, vocab \(v)"
        return Result(config: name, batch: batch, length: length, gemm: results, gemmGFLOPS: gemmGFLOPS,
                      trainTokensPerSecond: tokensPerSecond, trainGFLOPS: trainGFLOPS, stepMilliseconds: 1000 * step,
                      dpStepMilliseconds: 1000 * dpStep, dpTokensPerSecond: dpTokensPerSecond, dpRatio: median(ratios),
                      dpRatioRange: ratioRange, dpRatioOfFastest: (privateTimes.min() ?? 0) / (plainTimes.min() ?? 1), noiseMilliseconds: 1000 * noiseTime, dpGFLOPS: dpGFLOPS,
                      blasCore: BLASInfo.coreName, gemmThreads: gemmThreads, workers: synthetic.workers.count)
    }
}
