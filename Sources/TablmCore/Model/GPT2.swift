/// A GPT-2 decoder (Radford et al. 2019): token + position embeddings, pre-LayerNorm blocks of causal
/// multi-head attention and a 4× GELU MLP, a final LayerNorm, and an LM head tied to the token
/// embedding. Forward and backward are written by hand, in the manner of Karpathy's llm.c.
///
/// Parameters and gradients are each one contiguous buffer (`layout` names the views), so the
/// optimizer, clipping and DP noise run over flat arrays, and checkpoints map tensors by offset.
public final class GPT2<S: ModelScalar> {
    public let config: GPT2Config
    public let layout: ParameterLayout
    public let parameters: UnsafeMutableBufferPointer<S>
    public let gradients: UnsafeMutableBufferPointer<S>
    private let layerOffsets: [ParameterLayout.Layer]
    private var activations: Activations<S>?
    private var lastBatch: (tokens: [Int32], targets: [Int32], weights: [S], batch: Int, length: Int)?
    /// Buffers of DP-SGD's per-example pass, kept between micro-batches (`perExampleGradients`).
    let perExampleScratch = ScratchArena<S>()
    /// For a replica: the model whose parameters it reads (kept alive, never freed here).
    private let parameterOwner: GPT2<S>?

    public init(config: GPT2Config) {
        precondition(config.problem == nil, config.problem ?? "")
        self.config = config
        layout = ParameterLayout(config: config)
        parameters = .allocate(capacity: layout.count)
        parameters.initialize(repeating: 0)
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0)
        layerOffsets = (0..<config.layers).map(layout.layer)
        parameterOwner = nil
    }

    /// A replica for another core: the same parameter buffer, its own activations and gradients.
    init(replicaOf owner: GPT2<S>) {
        config = owner.config
        layout = owner.layout
        parameters = owner.parameters
        gradients = .allocate(capacity: layout.count)
        gradients.initialize(repeating: 0)
        layerOffsets = owner.layerOffsets
        parameterOwner = owner
    }

    deinit {
        if parameterOwner == nil { parameters.deallocate() }
        gradients.deallocate()
    }

    public var parameterCount: Int { layout.count }

    /// GPT-2's initialisation: N(0, 0.02) for matrices, scaled by 1/sqrt(2·layers) for residual
    /// projections; zero biases; LayerNorm weights 1.
    public func initializeParameters(seed: UInt64) {
        var generator = SplitMix64(seed: seed)
        for tensor in layout.tensors {
            let view = parameters.baseAddress! + tensor.offset
            if tensor.isMatrix {
                let std = 0.02 / (tensor.isResidualProjection ? (2 * Double(config.layers)).squareRoot() : 1)
                for i in 0..<tensor.count { view[i] = S(GaussianSampler<SplitMix64>.single(using: &generator) * std) }
            } else {
                let value: S = tensor.name.contains("ln_") && tensor.name.hasSuffix(".weight") ? 1 : 0
                view.update(repeating: value, count: tensor.count)
            }
        }
    }

    public func zeroGradients() { gradients.update(repeating: 0) }

    public func view(_ name: String) -> UnsafeMutableBufferPointer<S> {
        let tensor = layout.tensor(name)!
        return UnsafeMutableBufferPointer(rebasing: parameters[tensor.offset..<tensor.offset + tensor.count])
    }

    // MARK: Forward

    /// Runs the model on `tokens` ([batch, length], row-major) and returns the logits [batch, length, vocab].
    public func logits(tokens: [Int32], batch: Int, length: Int) -> [S] {
        let acts = prepare(batch: batch, length: length)
        forwardToLogits(tokens: tokens, acts: acts, batch: batch, length: length)
        return Array(UnsafeBufferPointer(start: acts.logits, count: batch * length * config.vocabularySize))
    }

    /// Forward pass with loss Σ weight · (−log p(target)); keeps what `backward()` needs.
    /// Positions with weight 0 (padding) do not count.
    @discardableResult
    public func loss(tokens: [Int32], targets: [Int32], weights: [S], batch: Int, length: Int) -> S {
        precondition(tokens.count == batch * length && targets.count == tokens.count && weights.count == tokens.count)
        let acts = prepare(batch: batch, length: length)
        forwardToLogits(tokens: tokens, acts: acts, batch: batch, length: length)
        targets.withUnsafeBufferPointer { targets in
            weights.withUnsafeBufferPointer { weights in
                CrossEntropyKernel.forward(probabilities: acts.logits, losses: acts.losses, targets: targets.baseAddress!,
                                           weights: weights.baseAddress!, rows: batch * length, vocabulary: config.vocabularySize)
            }
        }
        lastBatch = (tokens, targets, weights, batch, length)
        var total: S = 0
        for i in 0..<batch * length { total += weights[i] * acts.losses[i] }
        return total
    }

    /// Batch and length of the last `loss` call.
    var lastBatchShape: (batch: Int, length: Int)? { lastBatch.map { ($0.batch, $0.length) } }

    private func prepare(batch: Int, length: Int) -> Activations<S> {
        precondition(length <= config.contextLength, "sequence of \(length) tokens exceeds the context of \(config.contextLength)")
        // Buffers are flat, so a shape that needs no more of each uses a prefix of them: callers that
        // vary the shape (`ModelWorkers`' length groups) allocate once, not every pass.
        let need = Activations<S>.Capacity(batch: batch, length: length)
        if let acts = activations, acts.capacity.holds(need) { return acts }
        let capacity = need.union(activations?.capacity)
        activations = nil   // freed before the larger buffers are allocated, not after
        let acts = Activations<S>(config: config, capacity: capacity)
        activations = acts
        return acts
    }

    private func forwardToLogits(tokens: [Int32], acts: Activations<S>, batch b: Int, length t: Int) {
        let c = config.width, v = config.vocabularySize, rows = b * t
        let p = UnsafePointer(parameters.baseAddress!)
        let eps = S(config.layerNormEpsilon)
        let wte = p + layout.tensors[0].offset, wpe = p + layout.tensors[1].offset
        for (index, token) in tokens.enumerated() {
            precondition(token >= 0 && Int(token) < v, "token id \(token) is outside the vocabulary of \(v)")
            let x = acts.encoded + index * c
            let te = wte + Int(token) * c, pe = wpe + (index % t) * c
            for i in 0..<c { x[i] = te[i] + pe[i] }
        }
        for l in 0..<config.layers {
            let o = layerOffsets[l], a = acts.layers[l]
            let input = l == 0 ? UnsafePointer(acts.encoded) : UnsafePointer(acts.layers[l - 1].residual3)
            LayerNormKernel.forward(out: a.ln1, mean: a.ln1Mean, rstd: a.ln1Rstd, input: input, weight: p + o.ln1Weight,
                                    bias: p + o.ln1Bias, rows: rows, channels: c, epsilon: eps)
            LinearKernel.forward(out: a.qkv, input: a.ln1, weight: p + o.qkvWeight, bias: p + o.qkvBias, rows: rows, inputs: c, outputs: 3 * c)
            AttentionKernel.forward(out: a.atty, att: a.att, qkv: a.qkv, batch: b, length: t, channels: c, heads: config.heads)
            LinearKernel.forward(out: a.residual2, input: a.atty, weight: p + o.attnProjWeight, bias: p + o.attnProjBias, rows: rows, inputs: c, outputs: c)
            for i in 0..<rows * c { a.residual2[i] += input[i] }
            LayerNormKernel.forward(out: a.ln2, mean: a.ln2Mean, rstd: a.ln2Rstd, input: a.residual2, weight: p + o.ln2Weight,
                                    bias: p + o.ln2Bias, rows: rows, channels: c, epsilon: eps)
            LinearKernel.forward(out: a.fch, input: a.ln2, weight: p + o.fcWeight, bias: p + o.fcBias, rows: rows, inputs: c, outputs: 4 * c)
            GELUKernel.forward(out: a.fchGelu, input: a.fch, count: rows * 4 * c, keepTanh: a.fchTanh)
            LinearKernel.forward(out: a.residual3, input: a.fchGelu, weight: p + o.fcProjWeight, bias: p + o.fcProjBias, rows: rows, inputs: 4 * c, outputs: c)
            for i in 0..<rows * c { a.residual3[i] += a.residual2[i] }
        }
        let last = config.layers == 0 ? UnsafePointer(acts.encoded) : UnsafePointer(acts.layers[config.layers - 1].residual3)
        let lnf = layout.tensors[layout.tensors.count - 2].offset
        LayerNormKernel.forward(out: acts.lnf, mean: acts.lnfMean, rstd: acts.lnfRstd, input: last, weight: p + lnf,
                                bias: p + lnf + c, rows: rows, channels: c, epsilon: eps)
        // Tied LM head: logits = lnf · wte^T.
        S.gemm(transposeA: false, transposeB: true, m: rows, n: v, k: c, alpha: 1, a: acts.lnf, lda: c, b: wte, ldb: c,
               beta: 0, c: acts.logits, ldc: v)
    }

    // MARK: Backward

    /// Adds the gradient of the last `loss(...)` to `gradients`.
    public func backward() {
        guard let last = lastBatch else { preconditionFailure("backward() before loss()") }
        var sink = AccumulatingSink<S>(gradients: gradients.baseAddress!, rows: last.batch * last.length, length: last.length,
                                       width: config.width, vocabulary: config.vocabularySize,
                                       wte: layout.tensors[0].offset, wpe: layout.tensors[1].offset)
        backward(into: &sink)
    }

    /// The forward pass alone, keeping the raw logits and what `backward(logitGradients:)` needs.
    func forward(tokens: [Int32], batch: Int, length: Int) {
        precondition(tokens.count == batch * length)
        let acts = prepare(batch: batch, length: length)
        forwardToLogits(tokens: tokens, acts: acts, batch: batch, length: length)
        lastBatch = (tokens, [Int32](repeating: 0, count: tokens.count), [S](repeating: 0, count: tokens.count), batch, length)
    }

    /// After `forward(...)`: the logits at sequence `row`, position `position`.
    func logits(row: Int, position: Int) -> UnsafeBufferPointer<S> {
        guard let acts = activations, let shape = lastBatch else { preconditionFailure("logits before forward()") }
        let v = config.vocabularySize
        return UnsafeBufferPointer(start: acts.logits + (row * shape.length + position) * v, count: v)
    }

    /// After `forward(...)`: the final hidden state (the output of the last layer norm, what the LM
    /// head reads) at sequence `row`, position `position`.
    func hidden(row: Int, position: Int) -> UnsafeBufferPointer<S> {
        guard let acts = activations, let shape = lastBatch else { preconditionFailure("hidden before forward()") }
        let c = config.width
        return UnsafeBufferPointer(start: acts.lnf + (row * shape.length + position) * c, count: c)
    }

    /// Adds the gradient of some other function of the last `forward(...)`'s logits and final hidden
    /// states to `gradients`: `fill` writes dF/dlogits ([batch, length, vocab], zeroed first) in place
    /// of the cross-entropy's; `fillHidden`, if given, writes dF/dhidden ([batch, length, width],
    /// zeroed first), added to what flows back from the logits.
    func backward(logitGradients fill: (UnsafeMutableBufferPointer<S>) -> Void,
                  hiddenGradients fillHidden: ((UnsafeMutableBufferPointer<S>) -> Void)? = nil) {
        guard let acts = activations, let last = lastBatch else { preconditionFailure("backward() before loss()") }
        let rows = last.batch * last.length
        let dlogits = UnsafeMutableBufferPointer(start: acts.logits, count: rows * config.vocabularySize)
        dlogits.update(repeating: 0)
        fill(dlogits)
        var sink = AccumulatingSink<S>(gradients: gradients.baseAddress!, rows: rows, length: last.length,
                                       width: config.width, vocabulary: config.vocabularySize,
                                       wte: layout.tensors[0].offset, wpe: layout.tensors[1].offset)
        guard let fillHidden else { return backward(into: &sink, crossEntropy: false) }
        // The hidden states' gradient buffer is the one the LM head's backward writes into: filled
        // here, the head's product is then added to it.
        let dhidden = UnsafeMutableBufferPointer(start: acts.dln, count: rows * config.width)
        dhidden.update(repeating: 0)
        fillHidden(dhidden)
        backward(into: &sink, crossEntropy: false, addToHiddenGradients: true)
    }

    /// The backward pass of the last `loss(...)`: propagates gradients through the activations and
    /// hands every parameter's contribution to `sink`. With `crossEntropy: false` the logits buffer
    /// already holds the gradient to start from; with `addToHiddenGradients` the final hidden
    /// states' gradient buffer already holds a gradient that the LM head's is added to.
    func backward(into sink: inout some GradientSink<S>, crossEntropy: Bool = true, addToHiddenGradients: Bool = false) {
        guard let acts = activations, let batchInfo = lastBatch else { preconditionFailure("backward() before loss()") }
        let b = batchInfo.batch, t = batchInfo.length
        let c = config.width, v = config.vocabularySize, rows = b * t
        let p = UnsafePointer(parameters.baseAddress!)
        if crossEntropy {
            batchInfo.targets.withUnsafeBufferPointer { targets in
                batchInfo.weights.withUnsafeBufferPointer { weights in
                    CrossEntropyKernel.backward(probabilities: acts.logits, targets: targets.baseAddress!, weights: weights.baseAddress!,
                                                rows: rows, vocabulary: v)
                }
            }
        }
        let wte = layout.tensors[0].offset
        let lnf = layout.tensors[layout.tensors.count - 2].offset
        // LM head: dlnf = dlogits · wte (its weight gradient goes to the sink with the lookup's, below).
        S.gemm(transposeA: false, transposeB: false, m: rows, n: c, k: v, alpha: 1, a: acts.logits, lda: v, b: p + wte, ldb: c,
               beta: addToHiddenGradients ? 1 : 0, c: acts.dln, ldc: c)
        let dres = acts.dresidual
        dres.update(repeating: 0, count: rows * c)
        let last = config.layers == 0 ? UnsafePointer(acts.encoded) : UnsafePointer(acts.layers[config.layers - 1].residual3)
        sink.layerNorm(weight: lnf, bias: lnf + c, dout: acts.dln, input: last, mean: acts.lnfMean, rstd: acts.lnfRstd)
        LayerNormKernel.backwardInput(dinput: dres, dout: acts.dln, input: last, weight: p + lnf, mean: acts.lnfMean, rstd: acts.lnfRstd,
                                      rows: rows, channels: c)
        for l in stride(from: config.layers - 1, through: 0, by: -1) {
            let o = layerOffsets[l], a = acts.layers[l]
            let input = l == 0 ? UnsafePointer(acts.encoded) : UnsafePointer(acts.layers[l - 1].residual3)
            // MLP: residual3 = residual2 + fcproj(gelu(fc(ln2(residual2)))).
            sink.linear(weight: o.fcProjWeight, bias: o.fcProjBias, input: a.fchGelu, dout: dres, inputs: 4 * c, outputs: c)
            let dfch = sink.outputGradients(count: rows * 4 * c, shared: acts.dfch)
            LinearKernel.backwardInput(dinput: dfch, dout: dres, weight: p + o.fcProjWeight, rows: rows, inputs: 4 * c, outputs: c)
            GELUKernel.backward(dinput: dfch, input: a.fch, tanh: a.fchTanh, dout: dfch, count: rows * 4 * c)
            sink.linear(weight: o.fcWeight, bias: o.fcBias, input: a.ln2, dout: dfch, inputs: c, outputs: 4 * c)
            LinearKernel.backwardInput(dinput: acts.dln, dout: dfch, weight: p + o.fcWeight, rows: rows, inputs: c, outputs: 4 * c)
            sink.layerNorm(weight: o.ln2Weight, bias: o.ln2Bias, dout: acts.dln, input: a.residual2, mean: a.ln2Mean, rstd: a.ln2Rstd)
            LayerNormKernel.backwardInput(dinput: dres, dout: acts.dln, input: a.residual2, weight: p + o.ln2Weight,
                                          mean: a.ln2Mean, rstd: a.ln2Rstd, rows: rows, channels: c)
            // Attention: residual2 = input + attproj(attention(qkv(ln1(input)))).
            sink.linear(weight: o.attnProjWeight, bias: o.attnProjBias, input: a.atty, dout: dres, inputs: c, outputs: c)
            LinearKernel.backwardInput(dinput: acts.datty, dout: dres, weight: p + o.attnProjWeight, rows: rows, inputs: c, outputs: c)
            let dqkv = sink.outputGradients(count: rows * 3 * c, shared: acts.dqkv)
            AttentionKernel.backward(dqkv: dqkv, dout: acts.datty, qkv: a.qkv, att: a.att, scratch: acts.attentionScratch,
                                     batch: b, length: t, channels: c, heads: config.heads)
            sink.linear(weight: o.qkvWeight, bias: o.qkvBias, input: a.ln1, dout: dqkv, inputs: c, outputs: 3 * c)
            LinearKernel.backwardInput(dinput: acts.dln, dout: dqkv, weight: p + o.qkvWeight, rows: rows, inputs: c, outputs: 3 * c)
            sink.layerNorm(weight: o.ln1Weight, bias: o.ln1Bias, dout: acts.dln, input: input, mean: a.ln1Mean, rstd: a.ln1Rstd)
            LayerNormKernel.backwardInput(dinput: dres, dout: acts.dln, input: input, weight: p + o.ln1Weight,
                                          mean: a.ln1Mean, rstd: a.ln1Rstd, rows: rows, channels: c)
        }
        sink.tokenEmbedding(dlogits: acts.logits, lnf: acts.lnf, dresidual: dres, tokens: batchInfo.tokens)
        sink.positionEmbedding(dresidual: dres)
    }
}

/// Buffers for one batch shape, allocated once and reused every step (no per-step allocation).
final class Activations<S: ModelScalar> {
    final class Layer {
        let ln1, ln1Mean, ln1Rstd, qkv, atty, att, residual2, ln2, ln2Mean, ln2Rstd, fch, fchGelu, fchTanh, residual3: UnsafeMutablePointer<S>
        private let storage: CarvedBuffer<S>

        init(rows: Int, c: Int, attention: Int) {
            storage = CarvedBuffer(sizes: [rows * c, rows, rows, rows * 3 * c, rows * c, attention, rows * c,
                                           rows * c, rows, rows, rows * 4 * c, rows * 4 * c, rows * 4 * c, rows * c])
            let p = storage.pointers
            (ln1, ln1Mean, ln1Rstd, qkv, atty, att, residual2) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6])
            (ln2, ln2Mean, ln2Rstd, fch, fchGelu, fchTanh, residual3) = (p[7], p[8], p[9], p[10], p[11], p[12], p[13])
        }
    }

    /// What a shape needs: positions (batch × length), attention cells per head (batch × length²)
    /// and the longest sequence (the backward pass's 2 · length² scratch).
    struct Capacity {
        var rows, squares, length: Int

        init(batch: Int, length: Int) { (rows, squares, self.length) = (batch * length, batch * length * length, length) }

        func holds(_ other: Capacity) -> Bool { rows >= other.rows && squares >= other.squares && length >= other.length }

        func union(_ other: Capacity?) -> Capacity {
            guard let other else { return self }
            var result = self
            (result.rows, result.squares, result.length) = (max(rows, other.rows), max(squares, other.squares), max(length, other.length))
            return result
        }
    }

    let capacity: Capacity
    let layers: [Layer]
    let encoded, lnf, lnfMean, lnfRstd, logits, losses: UnsafeMutablePointer<S>
    let dresidual, dln, dqkv, datty, dfch, attentionScratch: UnsafeMutablePointer<S>
    private let storage: CarvedBuffer<S>

    init(config: GPT2Config, capacity: Capacity) {
        self.capacity = capacity
        let rows = capacity.rows, c = config.width
        layers = (0..<config.layers).map { _ in Layer(rows: rows, c: c, attention: config.heads * capacity.squares) }
        storage = CarvedBuffer(sizes: [rows * c, rows * c, rows, rows, rows * config.vocabularySize, rows,
                                       rows * c, rows * c, rows * 3 * c, rows * c, rows * 4 * c, 2 * capacity.length * capacity.length])
        let p = storage.pointers
        (encoded, lnf, lnfMean, lnfRstd, logits, losses) = (p[0], p[1], p[2], p[3], p[4], p[5])
        (dresidual, dln, dqkv, datty, dfch, attentionScratch) = (p[6], p[7], p[8], p[9], p[10], p[11])
    }
}

/// One zeroed allocation carved into consecutive buffers of the given sizes: a step's scratch
/// memory is allocated once and freed together.
final class CarvedBuffer<S: ModelScalar> {
    let pointers: [UnsafeMutablePointer<S>]
    private let storage: UnsafeMutableBufferPointer<S>

    init(sizes: [Int]) {
        storage = .allocate(capacity: sizes.reduce(0, +))
        storage.initialize(repeating: 0)
        var pointers: [UnsafeMutablePointer<S>] = []
        var offset = 0
        for size in sizes {
            pointers.append(storage.baseAddress! + offset)
            offset += size
        }
        self.pointers = pointers
    }

    deinit { storage.deallocate() }
}
