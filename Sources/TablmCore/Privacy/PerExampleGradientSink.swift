/// Per-example gradient norms without per-example gradient copies of the large matrices, and the
/// clipped sum Σ_b c_b·g_b from what the one backward pass left behind.
///
/// Linear layers use the ghost norm (Li et al. 2022, "Large Language Models Can Be Strong
/// Differentially Private Learners"; Goodfellow 2015): example b's weight gradient is X_bᵀ G_b over
/// its T positions, and ‖X_bᵀ G_b‖²_F = ⟨X_b X_bᵀ, G_b G_bᵀ⟩_F costs two T×T Gram matrices. The
/// clipped sum is then Xᵀ (c ⊙ G), one matrix product per layer with the output gradients G kept
/// from the same backward pass (book-keeping, Bu et al. 2023), so no second backward is needed.
/// Small parameters (biases, LayerNorm, the tied token embedding for a table-sized vocabulary,
/// positions) are handled per example explicitly.
struct PerExampleGradientSink<S: ModelScalar>: GradientSink {
    let batch: Int, length: Int, width: Int, vocabulary: Int
    let wte: Int, wpe: Int
    /// ‖g_b‖² for each example, summed over all parameters.
    private(set) var normsSquared: [Double]

    private struct LinearRecord {
        var weight: Int, bias: Int
        var input: UnsafePointer<S>
        var dout: [S]
        var inputs: Int, outputs: Int
    }

    /// A parameter block whose per-example gradients are kept whole: [batch, count].
    private struct ExplicitRecord {
        var offset: Int
        var count: Int
        var perExample: [S]
    }

    private var linears: [LinearRecord] = []
    private var explicit: [ExplicitRecord] = []
    private var gramInput: [S], gramOutput: [S]
    /// Buffers of an earlier micro-batch, reused so that a step allocates (and page-faults) nothing new.
    private var spare: [[S]]

    /// A buffer of `count` zeros, or a copy of `source`: the spare buffer that fits most tightly,
    /// so that each request meets the same buffer every micro-batch and none grows beyond its use.
    private mutating func buffer(count: Int, copying source: UnsafePointer<S>? = nil) -> [S] {
        let fitting = spare.indices.filter { spare[$0].capacity >= count }.min { spare[$0].capacity < spare[$1].capacity }
        var buffer = fitting.map { spare.remove(at: $0) } ?? []
        buffer.removeAll(keepingCapacity: true)
        if let source {
            buffer.append(contentsOf: UnsafeBufferPointer(start: source, count: count))
        } else {
            buffer.append(contentsOf: repeatElement(0, count: count))
        }
        return buffer
    }

    /// Hands the buffers back for the next micro-batch (after `addWeightedSum`).
    mutating func releaseBuffers() -> [[S]] {
        let buffers = explicit.map(\.perExample) + linears.map(\.dout) + spare
        explicit = []
        linears = []
        spare = []
        return buffers.filter { $0.capacity > 0 }
    }

    init(batch: Int, length: Int, width: Int, vocabulary: Int, wte: Int, wpe: Int, spare: [[S]] = []) {
        self.spare = spare
        self.batch = batch
        self.length = length
        self.width = width
        self.vocabulary = vocabulary
        self.wte = wte
        self.wpe = wpe
        normsSquared = [Double](repeating: 0, count: batch)
        gramInput = [S](repeating: 0, count: length * length)
        gramOutput = gramInput
    }

    private mutating func addNorms(of record: ExplicitRecord) {
        for b in 0..<batch {
            var sum = 0.0
            for i in 0..<record.count {
                let value = Double(record.perExample[b * record.count + i])
                sum += value * value
            }
            normsSquared[b] += sum
        }
    }

    mutating func linear(weight: Int, bias: Int, input: UnsafePointer<S>, dout: UnsafePointer<S>, inputs: Int, outputs: Int) {
        let t = length
        for b in 0..<batch {
            let x = input + b * t * inputs, g = dout + b * t * outputs
            // Both Grams are symmetric: syrk fills the upper triangles (half a gemm each), and
            // ⟨XXᵀ, GGᵀ⟩ = Σ_i (XXᵀ)_ii (GGᵀ)_ii + 2 Σ_{i<j} (XXᵀ)_ij (GGᵀ)_ij.
            gramInput.withUnsafeMutableBufferPointer { xx in
                S.gramUpper(n: t, k: inputs, a: x, lda: inputs, c: xx.baseAddress!, ldc: t)
            }
            gramOutput.withUnsafeMutableBufferPointer { gg in
                S.gramUpper(n: t, k: outputs, a: g, lda: outputs, c: gg.baseAddress!, ldc: t)
            }
            var diagonal = 0.0, offDiagonal = 0.0
            gramInput.withUnsafeBufferPointer { xx in
                gramOutput.withUnsafeBufferPointer { gg in
                    for i in 0..<t {
                        diagonal += Double(xx[i * t + i]) * Double(gg[i * t + i])
                        var row: S = 0
                        for j in (i + 1)..<max(t, i + 1) { row += xx[i * t + j] * gg[i * t + j] }
                        offDiagonal += Double(row)
                    }
                }
            }
            normsSquared[b] += diagonal + 2 * offDiagonal
        }
        var biases = ExplicitRecord(offset: bias, count: outputs, perExample: buffer(count: batch * outputs))
        for b in 0..<batch {
            for row in 0..<t {
                let g = dout + (b * t + row) * outputs
                for j in 0..<outputs { biases.perExample[b * outputs + j] += g[j] }
            }
        }
        addNorms(of: biases)
        explicit.append(biases)
        linears.append(LinearRecord(weight: weight, bias: bias, input: input,
                                    dout: buffer(count: batch * t * outputs, copying: dout),
                                    inputs: inputs, outputs: outputs))
    }

    mutating func layerNorm(weight: Int, bias: Int, dout: UnsafePointer<S>, input: UnsafePointer<S>, mean: UnsafePointer<S>, rstd: UnsafePointer<S>) {
        var weights = ExplicitRecord(offset: weight, count: width, perExample: buffer(count: batch * width))
        var biases = ExplicitRecord(offset: bias, count: width, perExample: buffer(count: batch * width))
        let t = length, c = width
        weights.perExample.withUnsafeMutableBufferPointer { dw in
            biases.perExample.withUnsafeMutableBufferPointer { db in
                for b in 0..<batch {
                    LayerNormKernel.backwardParameters(dweight: dw.baseAddress! + b * c, dbias: db.baseAddress! + b * c,
                                                       dout: dout + b * t * c, input: input + b * t * c, mean: mean + b * t,
                                                       rstd: rstd + b * t, rows: t, channels: c)
                }
            }
        }
        addNorms(of: weights)
        addNorms(of: biases)
        explicit += [weights, biases]
    }

    mutating func tokenEmbedding(dlogits: UnsafePointer<S>, lnf: UnsafePointer<S>, dresidual: UnsafePointer<S>, tokens: [Int32]) {
        let t = length, c = width, v = vocabulary
        var record = ExplicitRecord(offset: wte, count: v * c, perExample: buffer(count: batch * v * c))
        record.perExample.withUnsafeMutableBufferPointer { grads in
            for b in 0..<batch {
                let grad = grads.baseAddress! + b * v * c
                S.gemm(transposeA: true, transposeB: false, m: v, n: c, k: t, alpha: 1, a: dlogits + b * t * v, lda: v,
                       b: lnf + b * t * c, ldb: c, beta: 0, c: grad, ldc: c)
                for row in 0..<t {
                    let token = Int(tokens[b * t + row]), dx = dresidual + (b * t + row) * c
                    for i in 0..<c { grad[token * c + i] += dx[i] }
                }
            }
        }
        addNorms(of: record)
        explicit.append(record)
    }

    mutating func positionEmbedding(dresidual: UnsafePointer<S>) {
        let record = ExplicitRecord(offset: wpe, count: length * width,
                                    perExample: buffer(count: batch * length * width, copying: dresidual))
        addNorms(of: record)
        explicit.append(record)
    }

    /// Adds Σ_b factors[b] · g_b to `gradients`. Scales the kept output gradients in place, so it
    /// may be called once.
    mutating func addWeightedSum(factors: [S], into gradients: UnsafeMutablePointer<S>) {
        precondition(factors.count == batch)
        for record in explicit {
            for b in 0..<batch where factors[b] != 0 {
                let source = record.perExample.withUnsafeBufferPointer { $0.baseAddress! + b * record.count }
                let target = gradients + record.offset
                for i in 0..<record.count { target[i] += factors[b] * source[i] }
            }
        }
        for index in linears.indices {
            var scaled: [S] = []
            swap(&scaled, &linears[index].dout)   // sole owner now: scaled in place, no copy
            let record = linears[index]
            for b in 0..<batch {
                for i in (b * length * record.outputs)..<((b + 1) * length * record.outputs) { scaled[i] *= factors[b] }
            }
            scaled.withUnsafeBufferPointer { g in
                S.gemm(transposeA: true, transposeB: false, m: record.inputs, n: record.outputs, k: batch * length, alpha: 1,
                       a: record.input, lda: record.inputs, b: g.baseAddress!, ldb: record.outputs, beta: 1,
                       c: gradients + record.weight, ldc: record.outputs)
            }
            linears[index].dout = scaled   // back for reuse
        }
    }
}

extension GPT2 {
    /// Per-example gradient norms of the last `loss(...)` (each example = one row of the batch), and a
    /// function that adds Σ_b factors[b]·g_b to `gradients`, both from one backward pass.
    func perExampleGradients() -> (norms: [Double], addWeightedSum: ([S]) -> Void) {
        let shape = lastBatchShape!
        var sink = PerExampleGradientSink<S>(batch: shape.batch, length: shape.length, width: config.width,
                                             vocabulary: config.vocabularySize, wte: layout.tensors[0].offset,
                                             wpe: layout.tensors[1].offset, spare: perExampleBuffers)
        perExampleBuffers = []
        backward(into: &sink)
        let gradients = self.gradients.baseAddress!
        var finished = sink
        let norms = finished.normsSquared.map { $0.squareRoot() }
        return (norms, { [self] factors in
            finished.addWeightedSum(factors: factors, into: gradients)
            perExampleBuffers = finished.releaseBuffers()
        })
    }
}
