import Foundation

/// The model plus one replica per extra core. Replicas share the parameter buffer and own their
/// activations and gradients, so a batch split by rows runs forward and backward on every core at
/// once and the gradients are summed afterwards: data parallelism inside one process, with each GEMM
/// on a single OpenBLAS thread (at these shapes OpenBLAS's own threads mostly spin; see `BLASInfo`).
public final class ModelWorkers {
    public let model: GPT2<Float>
    let workers: [GPT2<Float>]

    /// One worker per core, at most 8.
    public static var defaultCount: Int { max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    public init(model: GPT2<Float>, count: Int = ModelWorkers.defaultCount) {
        self.model = model
        workers = [model] + (1..<max(count, 1)).map { _ in GPT2(replicaOf: model) }
        if workers.count > 1 { BLASInfo.threads = 1 }
    }

    public var count: Int { workers.count }

    /// Runs `work(worker, index)` for every worker at once; each call touches only its own
    /// worker's activations and gradients and reads the shared parameters.
    func parallel(_ work: (GPT2<Float>, Int) -> Void) {
        Parallel.forEach(workers.count) { work(workers[$0], $0) }
    }

    /// Adds the replicas' gradients into the model's and zeroes theirs, each worker summing one
    /// slice of the buffer.
    func gatherGradients() {
        guard workers.count > 1 else { return }
        let total = model.gradients, n = total.count, slice = (n + workers.count - 1) / workers.count
        parallel { _, part in
            let range = (part * slice)..<min(n, (part + 1) * slice)
            for replica in workers.dropFirst() {
                let source = replica.gradients
                for i in range { total[i] += source[i]; source[i] = 0 }
            }
        }
    }

    /// Rows of `rows` given to each worker: contiguous, as even as possible.
    func shares(of rows: Int) -> [Range<Int>] {
        (0..<workers.count).map { part in (part * rows / workers.count)..<((part + 1) * rows / workers.count) }
    }

    /// Zeroes the gradients, runs loss and backward over `batch` split by rows across the workers,
    /// and leaves the summed gradient in the model's buffer; returns the loss. The loss is a
    /// weighted sum over positions, so the parts' losses and gradients simply add up.
    @discardableResult
    public func lossAndGradient(_ batch: TokenBatch) -> Double {
        model.zeroGradients()
        let loss = splitLoss(batch, backward: true)
        gatherGradients()
        return loss
    }

    /// The loss of `batch`, forward only, split by rows across the workers (held-out scoring).
    public func loss(_ batch: TokenBatch) -> Double { splitLoss(batch, backward: false) }

    /// The rows each worker runs, as groups of similar length (`LengthGroups`): the rows sorted by
    /// length are dealt round-robin, so every worker gets as many long rows as the others.
    func lengthGroups(of batch: TokenBatch) -> [[(rows: [Int], length: Int)]] {
        let lengths = (0..<batch.batch).map(batch.validLength(ofRow:))
        let sorted = (0..<batch.batch).sorted { (lengths[$0], $0) < (lengths[$1], $1) }
        return (0..<workers.count).map { part in
            let mine = Array(stride(from: part, to: sorted.count, by: workers.count).map { sorted[$0] })
            return LengthGroups.groups(sortedLengths: mine.map { lengths[$0] }).map { group in
                (Array(mine[group]), max(lengths[mine[group.upperBound - 1]], 1))
            }
        }
    }

    private func splitLoss(_ batch: TokenBatch, backward: Bool) -> Double {
        let plan = lengthGroups(of: batch)
        var losses = [Double](repeating: 0, count: workers.count)
        losses.withUnsafeMutableBufferPointer { losses in
            parallel { worker, part in
                for group in plan[part] {
                    let rows = batch.rows(group.rows, length: group.length)
                    losses[part] += Double(worker.loss(tokens: rows.tokens, targets: rows.targets, weights: rows.weights,
                                                       batch: rows.batch, length: rows.length))
                    if backward { worker.backward() }
                }
            }
        }
        return losses.reduce(0, +)
    }
}

