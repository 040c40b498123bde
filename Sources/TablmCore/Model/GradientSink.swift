/// Where the backward pass sends each parameter's gradient contribution. The backward pass itself
/// only propagates gradients through activations; a sink decides what to do with the parameter
/// parts: add them up (`AccumulatingSink`), or measure them per example for DP-SGD
/// (`PerExampleGradientSink`).
protocol GradientSink<S> {
    associatedtype S: ModelScalar
    /// Where the backward pass writes the output gradient of a linear layer (`count` elements) before
    /// handing it to `linear`: the shared scratch buffer `shared`, or, for a sink that reads the
    /// gradients again after the whole pass, a buffer of its own, which then needs no copy.
    mutating func outputGradients(count: Int, shared: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<S>
    /// A linear layer y = x · W + b: input x [rows, inputs], output gradient dy [rows, outputs].
    mutating func linear(weight: Int, bias: Int, input: UnsafePointer<S>, dout: UnsafePointer<S>, inputs: Int, outputs: Int)
    /// A LayerNorm's weight and bias.
    mutating func layerNorm(weight: Int, bias: Int, dout: UnsafePointer<S>, input: UnsafePointer<S>,
                            mean: UnsafePointer<S>, rstd: UnsafePointer<S>)
    /// The tied token embedding: the LM head (dlogits^T · lnf) plus the lookup (dresidual rows at the tokens).
    mutating func tokenEmbedding(dlogits: UnsafePointer<S>, lnf: UnsafePointer<S>, dresidual: UnsafePointer<S>, tokens: [Int32])
    /// The position embedding: dresidual rows at each position.
    mutating func positionEmbedding(dresidual: UnsafePointer<S>)
}

/// The ordinary sink: adds every contribution to the model's gradient buffer.
struct AccumulatingSink<S: ModelScalar>: GradientSink {
    let gradients: UnsafeMutablePointer<S>
    let rows: Int, length: Int, width: Int, vocabulary: Int
    let wte: Int, wpe: Int

    func outputGradients(count: Int, shared: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<S> { shared }

    mutating func linear(weight: Int, bias: Int, input: UnsafePointer<S>, dout: UnsafePointer<S>, inputs: Int, outputs: Int) {
        LinearKernel.backwardParameters(dweight: gradients + weight, dbias: gradients + bias, dout: dout, input: input,
                                        rows: rows, inputs: inputs, outputs: outputs)
    }

    mutating func layerNorm(weight: Int, bias: Int, dout: UnsafePointer<S>, input: UnsafePointer<S>, mean: UnsafePointer<S>, rstd: UnsafePointer<S>) {
        LayerNormKernel.backwardParameters(dweight: gradients + weight, dbias: gradients + bias, dout: dout, input: input,
                                           mean: mean, rstd: rstd, rows: rows, channels: width)
    }

    mutating func tokenEmbedding(dlogits: UnsafePointer<S>, lnf: UnsafePointer<S>, dresidual: UnsafePointer<S>, tokens: [Int32]) {
        S.gemm(transposeA: true, transposeB: false, m: vocabulary, n: width, k: rows, alpha: 1, a: dlogits, lda: vocabulary,
               b: lnf, ldb: width, beta: 1, c: gradients + wte, ldc: width)
        for (index, token) in tokens.enumerated() {
            let dx = dresidual + index * width, row = gradients + wte + Int(token) * width
            for i in 0..<width { row[i] += dx[i] }
        }
    }

    mutating func positionEmbedding(dresidual: UnsafePointer<S>) {
        for index in 0..<rows {
            let dx = dresidual + index * width, row = gradients + wpe + (index % length) * width
            for i in 0..<width { row[i] += dx[i] }
        }
    }
}
