/// Where each tensor of a GPT-2 lives inside one flat buffer (as in llm.c): optimizers, clipping
/// and noise run over the whole array, and checkpoints map tensors to offsets.
///
/// Names and shapes are Hugging Face GPT-2's (`wte.weight`, `h.0.attn.c_attn.weight`, ...). Linear
/// weights are stored [in, out] (HF's Conv1D), so y = x · W + b with no transpose.
public struct ParameterLayout: Sendable {
    public struct Tensor: Sendable, Equatable {
        public var name: String
        public var shape: [Int]
        public var offset: Int
        public var count: Int { shape.reduce(1, *) }
        /// Weight decay applies to matrices (embeddings and linear weights), not biases or norms.
        public var isMatrix: Bool { shape.count == 2 }
        /// Residual-stream projections get GPT-2's scaled initialisation.
        public var isResidualProjection: Bool { name.hasSuffix("c_proj.weight") }
    }

    public let tensors: [Tensor]
    public let count: Int
    private let index: [String: Int]

    public init(config: GPT2Config) {
        let c = config.width
        var shapes: [(String, [Int])] = [("wte.weight", [config.vocabularySize, c]), ("wpe.weight", [config.contextLength, c])]
        for layer in 0..<config.layers {
            let p = "h.\(layer)."
            shapes += [
                (p + "ln_1.weight", [c]), (p + "ln_1.bias", [c]),
                (p + "attn.c_attn.weight", [c, 3 * c]), (p + "attn.c_attn.bias", [3 * c]),
                (p + "attn.c_proj.weight", [c, c]), (p + "attn.c_proj.bias", [c]),
                (p + "ln_2.weight", [c]), (p + "ln_2.bias", [c]),
                (p + "mlp.c_fc.weight", [c, 4 * c]), (p + "mlp.c_fc.bias", [4 * c]),
                (p + "mlp.c_proj.weight", [4 * c, c]), (p + "mlp.c_proj.bias", [c]),
            ]
        }
        shapes += [("ln_f.weight", [c]), ("ln_f.bias", [c])]
        var offset = 0
        var tensors: [Tensor] = []
        for (name, shape) in shapes {
            tensors.append(Tensor(name: name, shape: shape, offset: offset))
            offset += shape.reduce(1, *)
        }
        self.tensors = tensors
        count = offset
        index = Dictionary(uniqueKeysWithValues: tensors.enumerated().map { ($1.name, $0) })
    }

    public func tensor(_ name: String) -> Tensor? { index[name].map { tensors[$0] } }

    /// Where the last `count` of `layers` blocks lie: their tensors are laid out together, after the
    /// embeddings and before the final LayerNorm.
    public func lastBlocks(_ count: Int, of layers: Int) -> Range<Int> {
        precondition(count >= 1 && count <= layers)
        return tensor("h.\(layers - count).ln_1.weight")!.offset..<tensor("ln_f.weight")!.offset
    }

    /// Offsets of one layer's tensors, looked up once so the hot path does no string work.
    struct Layer {
        var ln1Weight, ln1Bias, qkvWeight, qkvBias, attnProjWeight, attnProjBias: Int
        var ln2Weight, ln2Bias, fcWeight, fcBias, fcProjWeight, fcProjBias: Int
    }

    func layer(_ l: Int) -> Layer {
        func at(_ suffix: String) -> Int { tensor("h.\(l).\(suffix)")!.offset }
        return Layer(ln1Weight: at("ln_1.weight"), ln1Bias: at("ln_1.bias"),
                     qkvWeight: at("attn.c_attn.weight"), qkvBias: at("attn.c_attn.bias"),
                     attnProjWeight: at("attn.c_proj.weight"), attnProjBias: at("attn.c_proj.bias"),
                     ln2Weight: at("ln_2.weight"), ln2Bias: at("ln_2.bias"),
                     fcWeight: at("mlp.c_fc.weight"), fcBias: at("mlp.c_fc.bias"),
                     fcProjWeight: at("mlp.c_proj.weight"), fcProjBias: at("mlp.c_proj.bias"))
    }
}
