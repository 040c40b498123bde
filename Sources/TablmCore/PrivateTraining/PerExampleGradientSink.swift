/// Per-example gradient norms without per-example gradient copies of the large matrices, and the
/// clipped sum Σ_b c_b·g_b from what the one backward pass left behind.
///
/// Linear layers use the ghost norm (Li et al. 2022, "Large Language Models Can Be Strong
/// Differentially Private Learners"; Goodfellow 2015): example b's weight and bias gradient is
/// [X_b 1]ᵀ G_b over its T positions, and ‖[X_b 1]ᵀ G_b‖²_F = ⟨X_b X_bᵀ + 11ᵀ, G_b G_bᵀ⟩_F costs two
/// T×T Gram matrices (`GhostNorm`); the bias rides along as a column of ones, with no per-example
/// copy of its own.
/// The clipped sum is then [X 1]ᵀ (c ⊙ G), one matrix product per layer with the output gradients G
/// kept from the same backward pass (book-keeping, Bu et al. 2023), so no second backward is needed.
/// The backward pass writes the wide output gradients (the attention's and the MLP's inputs) straight
/// into buffers this sink keeps (`outputGradients`); only the residual stream's, which the pass
/// keeps accumulating into, is copied. Small parameters (LayerNorm, the tied token embedding for a
/// table-sized vocabulary, positions) are handled per example explicitly.
struct PerExampleGradientSink<S: ModelScalar>: GradientSink {
    let batch: Int, length: Int, width: Int, vocabulary: Int
    let wte: Int, wpe: Int
    /// The parameters DP-SGD trains (nil: all): a tensor starting outside is neither clipped, nor
    /// summed, nor counted in the norms.
    let trainable: Range<Int>?
    /// ‖g_b‖² for each example, summed over the trainable parameters.
    private(set) var normsSquared: [Double]

    private struct LinearRecord {
        var weight: Int, bias: Int
        var input: UnsafePointer<S>
        var dout: UnsafeMutablePointer<S>
        var inputs: Int, outputs: Int
    }

    /// A parameter block whose per-example gradients are kept whole: [batch, count].
    private struct ExplicitRecord {
        var offset: Int
        var count: Int
        var perExample: UnsafeMutablePointer<S>
    }

    private var linears: [LinearRecord] = []
    private var explicit: [ExplicitRecord] = []
    /// Output-gradient buffers handed to the backward pass, which `linear` then keeps without copying.
    private var ownBuffers: [UnsafeMutablePointer<S>] = []
    /// Every buffer above; taken back (not freed) by the next micro-batch's sink.
    private let scratch: ScratchArena<S>

    init(batch: Int, length: Int, width: Int, vocabulary: Int, wte: Int, wpe: Int, trainable: Range<Int>? = nil, scratch: ScratchArena<S>) {
        scratch.reset()
        self.scratch = scratch
        self.batch = batch
        self.length = length
        self.width = width
        self.vocabulary = vocabulary
        self.wte = wte
        self.wpe = wpe
        self.trainable = trainable
        normsSquared = [Double](repeating: 0, count: batch)
    }

    private mutating func addNorms(of record: ExplicitRecord) {
        for b in 0..<batch { normsSquared[b] += Self.squaredSum(record.perExample + b * record.count, count: record.count) }
    }

    /// Σ x²: eight lanes over blocks of 256 values, each block's sum added in double, so rounding
    /// stays at the level of a 32-term float sum whatever the count.
    static func squaredSum(_ x: UnsafePointer<S>, count: Int) -> Double {
        let raw = UnsafeRawPointer(x), stride = MemoryLayout<S>.stride
        var total = 0.0, start = 0
        while start + 256 <= count {
            var lanes = SIMD8<S>()
            for i in Swift.stride(from: start, to: start + 256, by: 8) {
                let v = raw.loadUnaligned(fromByteOffset: i * stride, as: SIMD8<S>.self)
                lanes.addProduct(v, v)
            }
            total += Double(lanes.sum())
            start += 256
        }
        for i in start..<count { total += Double(x[i]) * Double(x[i]) }
        return total
    }

    mutating func outputGradients(count: Int, shared: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<S> {
        let buffer = scratch.take(count)
        ownBuffers.append(buffer)
        return buffer
    }

    private func trains(_ offset: Int) -> Bool { trainable?.contains(offset) ?? true }

    mutating func linear(weight: Int, bias: Int, input: UnsafePointer<S>, dout: UnsafePointer<S>, inputs: Int, outputs: Int) {
        guard trains(weight) else { return }
        let t = length
        for b in 0..<batch {
            normsSquared[b] += GhostNorm.squaredNorm(input: input + b * t * inputs, inputs: inputs,
                                                     outputGradient: dout + b * t * outputs, outputs: outputs, length: t)
        }
        let count = batch * t * outputs
        let kept: UnsafeMutablePointer<S>
        if let own = ownBuffers.first(where: { UnsafePointer($0) == dout }) {
            kept = own
        } else {
            kept = scratch.take(count)
            kept.update(from: dout, count: count)
        }
        linears.append(LinearRecord(weight: weight, bias: bias, input: input, dout: kept, inputs: inputs, outputs: outputs))
    }

    mutating func layerNorm(weight: Int, bias: Int, dout: UnsafePointer<S>, input: UnsafePointer<S>, mean: UnsafePointer<S>, rstd: UnsafePointer<S>) {
        guard trains(weight) else { return }
        let t = length, c = width
        let weights = ExplicitRecord(offset: weight, count: c, perExample: scratch.takeZeroed(batch * c))
        let biases = ExplicitRecord(offset: bias, count: c, perExample: scratch.takeZeroed(batch * c))
        for b in 0..<batch {
            LayerNormKernel.backwardParameters(dweight: weights.perExample + b * c, dbias: biases.perExample + b * c,
                                               dout: dout + b * t * c, input: input + b * t * c, mean: mean + b * t,
                                               rstd: rstd + b * t, rows: t, channels: c)
        }
        addNorms(of: weights)
        addNorms(of: biases)
        explicit += [weights, biases]
    }

    mutating func tokenEmbedding(dlogits: UnsafePointer<S>, lnf: UnsafePointer<S>, dresidual: UnsafePointer<S>, tokens: [Int32]) {
        guard trains(wte) else { return }
        let t = length, c = width, v = vocabulary
        let record = ExplicitRecord(offset: wte, count: v * c, perExample: scratch.take(batch * v * c))
        for b in 0..<batch {
            let grad = record.perExample + b * v * c
            S.gemm(transposeA: true, transposeB: false, m: v, n: c, k: t, alpha: 1, a: dlogits + b * t * v, lda: v,
                   b: lnf + b * t * c, ldb: c, beta: 0, c: grad, ldc: c)
            for row in 0..<t {
                let token = Int(tokens[b * t + row]), dx = dresidual + (b * t + row) * c
                for i in 0..<c { grad[token * c + i] += dx[i] }
            }
        }
        addNorms(of: record)
        explicit.append(record)
    }

    mutating func positionEmbedding(dresidual: UnsafePointer<S>) {
        guard trains(wpe) else { return }
        let count = batch * length * width
        let record = ExplicitRecord(offset: wpe, count: length * width, perExample: scratch.take(count))
        record.perExample.update(from: dresidual, count: count)
        addNorms(of: record)
        explicit.append(record)
    }

    /// Adds Σ_b factors[b] · g_b to `gradients`. Scales the kept output gradients in place, so it
    /// may be called once.
    mutating func addWeightedSum(factors: [S], into gradients: UnsafeMutablePointer<S>) {
        precondition(factors.count == batch)
        for record in explicit {
            let target = gradients + record.offset
            for b in 0..<batch where factors[b] != 0 {
                let source = record.perExample + b * record.count, factor = factors[b]
                for i in 0..<record.count { target[i] += factor * source[i] }
            }
        }
        for record in linears {
            let rowsPerExample = length * record.outputs
            for b in 0..<batch {
                let rows = record.dout + b * rowsPerExample, factor = factors[b]
                for i in 0..<rowsPerExample { rows[i] *= factor }
            }
            LinearKernel.backwardParameters(dweight: gradients + record.weight, dbias: gradients + record.bias, dout: record.dout,
                                            input: record.input, rows: batch * length, inputs: record.inputs, outputs: record.outputs)
        }
    }
}

extension GPT2 {
    /// Per-example gradient norms of the last `loss(...)` (each example = one row of the batch), and a
    /// function that adds Σ_b factors[b]·g_b to `gradients`, both from one backward pass; with
    /// `trainable`, over the tensors that start in it only (the rest of `gradients` is left alone).
    func perExampleGradients(trainable: Range<Int>? = nil) -> (norms: [Double], addWeightedSum: ([S]) -> Void) {
        let shape = lastBatchShape!
        var sink = PerExampleGradientSink<S>(batch: shape.batch, length: shape.length, width: config.width,
                                             vocabulary: config.vocabularySize, wte: layout.tensors[0].offset,
                                             wpe: layout.tensors[1].offset, trainable: trainable, scratch: perExampleScratch)
        backward(into: &sink)
        let gradients = self.gradients.baseAddress!
        var finished = sink
        let norms = finished.normsSquared.map { $0.squareRoot() }
        return (norms, { factors in finished.addWeightedSum(factors: factors, into: gradients) })
    }
}
