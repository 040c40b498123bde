import Foundation

/// A lower estimate of the bytes a training run holds at once, taken before anything is allocated, so
/// that a model or a step no memory holds is refused with one line naming the options to lower instead
/// of trapping in the allocator (`finetune --width 4096 --layers 10`, 2·10⁹ parameters, asked for about
/// 40 GB; `--batch-size 65536` at width 1,024 for 25 GB in one buffer). Every option is in its range
/// alone: it is their product that no machine holds.
///
/// The parameters are kept as several copies of one flat buffer of floats: the weights, the model's
/// gradient and each extra worker's (`ModelWorkers`: replicas share the weights, not the gradients),
/// AdamW's two moments, and the average when the run keeps one (`ParameterAverage`). DP-SGD keeps no
/// per-row gradient: ghost norms clip each row and its clipped gradient is summed into the same
/// buffers. Activations are those of the rows a step runs at once (`activationBytes`).
public struct TrainingMemory: Sendable, Equatable {
    public var config: GPT2Config
    /// Rows whose activations are held together: a non-private step's batch; under DP-SGD the
    /// micro-batches the workers run at once.
    public var rows: Int
    /// Tokens a row.
    public var length: Int
    /// Workers, each with its own gradient buffer.
    public var workers: Int
    public var keepsAverage: Bool

    /// Parameter-sized buffers: weights, a gradient a worker, AdamW's two moments, the average.
    public var parameterCopies: Int { 1 + max(workers, 1) + 2 + (keepsAverage ? 1 : 0) }

    /// Floats, 4 bytes each, counted in floating point so that no size overflows.
    public var parameterBytes: Double { 4 * config.parameterEstimate * Double(parameterCopies) }

    public var activationBytes: Double { Self.activationBytes(config: config, batch: rows, length: length) }

    public var bytes: Double { parameterBytes + activationBytes }

    /// A lower estimate of what a training step over `batch` × `length` tokens holds, in bytes (floats):
    /// each layer's activations (about 16 floats of the width a token) and attention scores (heads ×
    /// length a token), and the logits. Sizes each option allows multiply past any memory (65,536 ×
    /// 65,536 tokens asked for 2 TB and trapped in the allocator).
    public static func activationBytes(config: GPT2Config, batch: Int, length: Int) -> Double {
        let tokens = Double(batch) * Double(length)
        let perLayer = tokens * (16 * Double(config.width) + Double(config.heads) * Double(length))
        return 4 * (Double(config.layers) * perLayer + 2 * tokens * Double(config.vocabularySize))
    }

    /// The machine's physical memory in bytes.
    public static var physicalMemory: Double { Double(ProcessInfo.processInfo.physicalMemory) }

    /// Refuses a run that needs more than `memory`, naming `modelOptions` (what sizes the parameters,
    /// e.g. "--width 4096 --layers 10") when the parameters alone do not fit, `stepOptions` (what
    /// sizes the activations, e.g. "--batch-size 65536") when the activations alone do not, and both
    /// otherwise.
    public func require(modelOptions: String, stepOptions: String, memory: Double = TrainingMemory.physicalMemory) throws {
        guard bytes > memory else { return }
        let named = parameterBytes > memory ? modelOptions : activationBytes > memory ? stepOptions : modelOptions + " " + stepOptions
        let gradients = workers > 1 ? "a gradient on each of \(workers) workers" : "the gradient"
        let copies = "the weights, \(gradients), AdamW's two moments\(keepsAverage ? " and the average" : "")"
        throw OptionError(String(format: "%@: training needs about %.1f GB: %.1f GB for %@, and %.1f GB of activations for %d rows of %d tokens; this machine has %.1f GB",
                                 named, bytes / 1e9, parameterBytes / 1e9, copies, activationBytes / 1e9, rows, length, memory / 1e9))
    }
}
