import RealModule

/// Incremental decoding for a batch of sequences: each step feeds one token per sequence and reuses
/// the keys and values of earlier positions (the KV cache), so a step costs O(position), not a
/// full forward pass. All sequences advance in lockstep (same position).
public final class KVCacheDecoder {
    public let model: GPT2<Float>
    public let batch: Int
    public private(set) var position = 0
    private let c: Int, heads: Int, hs: Int, capacity: Int
    private let layerOffsets: [ParameterLayout.Layer]
    private let keys: UnsafeMutableBufferPointer<Float>    // [layer, batch, capacity, C]
    private let values: UnsafeMutableBufferPointer<Float>
    private let x, ln, qkv, atty, fch, fchGelu, scores, mean, rstd: UnsafeMutableBufferPointer<Float>
    /// Logits of the last step, [batch, vocab].
    public let logits: UnsafeMutableBufferPointer<Float>
    private let storage: CarvedBuffer<Float>

    public init(model: GPT2<Float>, batch: Int) {
        self.model = model
        self.batch = batch
        let config = model.config
        c = config.width
        heads = config.heads
        hs = config.headSize
        capacity = config.contextLength
        layerOffsets = (0..<config.layers).map(model.layout.layer)
        let sizes = [config.layers * batch * capacity * c, config.layers * batch * capacity * c, batch * c, batch * c, batch * 3 * c,
                     batch * c, batch * 4 * c, batch * 4 * c, capacity, batch, batch, batch * config.vocabularySize]
        storage = CarvedBuffer(sizes: sizes)
        let v = zip(storage.pointers, sizes).map { UnsafeMutableBufferPointer(start: $0, count: $1) }
        (keys, values, x, ln, qkv, atty) = (v[0], v[1], v[2], v[3], v[4], v[5])
        (fch, fchGelu, scores, mean, rstd, logits) = (v[6], v[7], v[8], v[9], v[10], v[11])
    }

    public func reset() { position = 0 }

    /// Feeds `tokens` (one per sequence) at the current position and computes the next-token logits.
    /// Sequences marked `finished` skip attention, the part of a step that grows with the position
    /// (their logits are then meaningless); every sequence is computed on its own, so the others'
    /// logits are the same either way. The matrix products still run over the whole batch.
    public func step(_ tokens: [Int32], finished: [Bool]? = nil) {
        precondition(tokens.count == batch && position < capacity, "decoder is full or the batch size differs")
        precondition(finished.map { $0.count == batch } ?? true, "one finished flag per sequence")
        let config = model.config
        let p = UnsafePointer(model.parameters.baseAddress!)
        let eps = Float(config.layerNormEpsilon)
        let wte = p + model.layout.tensors[0].offset, wpe = p + model.layout.tensors[1].offset
        for (b, token) in tokens.enumerated() {
            for i in 0..<c { x[b * c + i] = wte[Int(token) * c + i] + wpe[position * c + i] }
        }
        let scale = 1 / Float(hs).squareRoot()
        for l in 0..<config.layers {
            let o = layerOffsets[l]
            LayerNormKernel.forward(out: ln.baseAddress!, mean: mean.baseAddress!, rstd: rstd.baseAddress!, input: x.baseAddress!,
                                    weight: p + o.ln1Weight, bias: p + o.ln1Bias, rows: batch, channels: c, epsilon: eps)
            LinearKernel.forward(out: qkv.baseAddress!, input: ln.baseAddress!, weight: p + o.qkvWeight, bias: p + o.qkvBias,
                                 rows: batch, inputs: c, outputs: 3 * c)
            for b in 0..<batch where !(finished?[b] ?? false) {
                let cacheBase = ((l * batch + b) * capacity) * c
                for i in 0..<c {
                    keys[cacheBase + position * c + i] = qkv[b * 3 * c + c + i]
                    values[cacheBase + position * c + i] = qkv[b * 3 * c + 2 * c + i]
                }
                for h in 0..<heads {
                    let q = qkv.baseAddress! + b * 3 * c + h * hs
                    var maximum = -Float.infinity
                    for j in 0...position {
                        let k = keys.baseAddress! + cacheBase + j * c + h * hs
                        var dot: Float = 0
                        for d in 0..<hs { dot += q[d] * k[d] }
                        scores[j] = dot * scale
                        maximum = max(maximum, scores[j])
                    }
                    var sum: Float = 0
                    for j in 0...position {
                        scores[j] = Float.exp(scores[j] - maximum)
                        sum += scores[j]
                    }
                    let out = atty.baseAddress! + b * c + h * hs
                    for d in 0..<hs { out[d] = 0 }
                    for j in 0...position {
                        let weight = scores[j] / sum
                        let v = values.baseAddress! + cacheBase + j * c + h * hs
                        for d in 0..<hs { out[d] += weight * v[d] }
                    }
                }
            }
            // residual += attproj(atty)
            Float.gemm(transposeA: false, transposeB: false, m: batch, n: c, k: c, alpha: 1, a: atty.baseAddress!, lda: c,
                       b: p + o.attnProjWeight, ldb: c, beta: 1, c: x.baseAddress!, ldc: c)
            for b in 0..<batch { for i in 0..<c { x[b * c + i] += p[o.attnProjBias + i] } }
            LayerNormKernel.forward(out: ln.baseAddress!, mean: mean.baseAddress!, rstd: rstd.baseAddress!, input: x.baseAddress!,
                                    weight: p + o.ln2Weight, bias: p + o.ln2Bias, rows: batch, channels: c, epsilon: eps)
            LinearKernel.forward(out: fch.baseAddress!, input: ln.baseAddress!, weight: p + o.fcWeight, bias: p + o.fcBias,
                                 rows: batch, inputs: c, outputs: 4 * c)
            GELUKernel.forward(out: fchGelu.baseAddress!, input: fch.baseAddress!, count: batch * 4 * c)
            Float.gemm(transposeA: false, transposeB: false, m: batch, n: c, k: 4 * c, alpha: 1, a: fchGelu.baseAddress!, lda: 4 * c,
                       b: p + o.fcProjWeight, ldb: c, beta: 1, c: x.baseAddress!, ldc: c)
            for b in 0..<batch { for i in 0..<c { x[b * c + i] += p[o.fcProjBias + i] } }
        }
        let lnf = model.layout.tensors[model.layout.tensors.count - 2].offset
        LayerNormKernel.forward(out: ln.baseAddress!, mean: mean.baseAddress!, rstd: rstd.baseAddress!, input: x.baseAddress!,
                                weight: p + lnf, bias: p + lnf + c, rows: batch, channels: c, epsilon: eps)
        Float.gemm(transposeA: false, transposeB: true, m: batch, n: config.vocabularySize, k: c, alpha: 1, a: ln.baseAddress!, lda: c,
                   b: wte, ldb: c, beta: 0, c: logits.baseAddress!, ldc: config.vocabularySize)
        position += 1
    }
}
