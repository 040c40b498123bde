/// A GPT-2 configuration with Hugging Face's `config.json` keys (transformers' `GPT2Config`), so a
/// config written here is read by `transformers` and one written there is read here.
public struct GPT2Config: Codable, Equatable, Sendable {
    public var vocabularySize: Int
    public var contextLength: Int
    public var width: Int
    public var layers: Int
    public var heads: Int
    public var layerNormEpsilon: Double
    public var bosTokenID: Int?
    public var eosTokenID: Int?

    public init(vocabularySize: Int, contextLength: Int, width: Int, layers: Int, heads: Int,
                layerNormEpsilon: Double = 1e-5, bosTokenID: Int? = nil, eosTokenID: Int? = nil) {
        self.vocabularySize = vocabularySize
        self.contextLength = contextLength
        self.width = width
        self.layers = layers
        self.heads = heads
        self.layerNormEpsilon = layerNormEpsilon
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
    }

    enum CodingKeys: String, CodingKey {
        case vocabularySize = "vocab_size", contextLength = "n_positions", context = "n_ctx"
        case width = "n_embd", layers = "n_layer", heads = "n_head", layerNormEpsilon = "layer_norm_epsilon"
        case bosTokenID = "bos_token_id", eosTokenID = "eos_token_id"
        case activation = "activation_function", modelType = "model_type", architectures
        case tieWordEmbeddings = "tie_word_embeddings", inner = "n_inner"
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let type = try container.decodeIfPresent(String.self, forKey: .modelType), type != "gpt2" {
            throw DecodingError.dataCorruptedError(forKey: .modelType, in: container,
                debugDescription: "model_type \(quoted: type) is not gpt2")
        }
        vocabularySize = try container.decode(Int.self, forKey: .vocabularySize)
        // n_positions is the key transformers reads; n_ctx, an old alias, must agree when present.
        contextLength = try container.decode(Int.self, forKey: .contextLength)
        if let context = try container.decodeIfPresent(Int.self, forKey: .context), context != contextLength {
            throw DecodingError.dataCorruptedError(forKey: .context, in: container,
                debugDescription: "n_ctx \(context) differs from n_positions \(contextLength)")
        }
        width = try container.decode(Int.self, forKey: .width)
        layers = try container.decode(Int.self, forKey: .layers)
        heads = try container.decode(Int.self, forKey: .heads)
        layerNormEpsilon = try container.decodeIfPresent(Double.self, forKey: .layerNormEpsilon) ?? 1e-5
        bosTokenID = try container.decodeIfPresent(Int.self, forKey: .bosTokenID)
        eosTokenID = try container.decodeIfPresent(Int.self, forKey: .eosTokenID)
        // Only what this implementation computes is accepted: GELU with the tanh approximation,
        // a 4x MLP, tied embeddings.
        if let activation = try container.decodeIfPresent(String.self, forKey: .activation),
           !["gelu_new", "gelu_pytorch_tanh"].contains(activation) {
            throw DecodingError.dataCorruptedError(forKey: .activation, in: container,
                debugDescription: "activation \(quoted: activation) is not supported (tablm computes gelu_new, the tanh approximation)")
        }
        if let inner = try container.decodeIfPresent(Int?.self, forKey: .inner) ?? nil, inner != 4 * width {
            throw DecodingError.dataCorruptedError(forKey: .inner, in: container,
                debugDescription: "n_inner \(inner) is not 4 x n_embd")
        }
        if try container.decodeIfPresent(Bool.self, forKey: .tieWordEmbeddings) == false {
            throw DecodingError.dataCorruptedError(forKey: .tieWordEmbeddings, in: container,
                debugDescription: "untied embeddings are not supported")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(vocabularySize, forKey: .vocabularySize)
        try container.encode(contextLength, forKey: .contextLength)
        try container.encode(contextLength, forKey: .context)
        try container.encode(width, forKey: .width)
        try container.encode(layers, forKey: .layers)
        try container.encode(heads, forKey: .heads)
        try container.encode(layerNormEpsilon, forKey: .layerNormEpsilon)
        try container.encodeIfPresent(bosTokenID, forKey: .bosTokenID)
        try container.encodeIfPresent(eosTokenID, forKey: .eosTokenID)
        try container.encode("gelu_new", forKey: .activation)
        try container.encode("gpt2", forKey: .modelType)
        try container.encode(["GPT2LMHeadModel"], forKey: .architectures)
        try container.encode(true, forKey: .tieWordEmbeddings)
    }

    /// Largest sizes a config may ask for. A config is a file someone hands you: these bound what is
    /// allocated before a single weight is read (GPT-2 XL, the largest, has 50,257 × 1,024 × 1,600 × 48).
    public static let limits = (vocabulary: 1 << 20, context: 1 << 16, width: 1 << 14, layers: 1 << 10, parameters: 1 << 31)

    /// The parameter count, in floating point so that no size can overflow it.
    public var parameterEstimate: Double {
        let w = Double(width), v = Double(vocabularySize), t = Double(contextLength)
        return (v + t) * w + Double(layers) * (12 * w * w + 13 * w) + 2 * w
    }

    /// The options' refusal of a width the heads do not divide (`bench` and `finetune` build the same
    /// model), or nil: each attention head takes an equal share of the width.
    public static func headsProblem(width: Int, heads: Int) -> String? {
        width % heads == 0 ? nil : "--width \(width) is not a multiple of --heads \(heads): each head takes an equal share of the width"
    }

    /// Problems that make the configuration unusable, or nil.
    public var problem: String? {
        let limits = Self.limits
        if vocabularySize < 1 || contextLength < 1 || width < 1 || layers < 1 || heads < 1 {
            return "vocab_size, n_positions, n_embd, n_layer and n_head must be positive"
        }
        for (key, value, limit) in [("vocab_size", vocabularySize, limits.vocabulary), ("n_positions", contextLength, limits.context),
                                    ("n_embd", width, limits.width), ("n_layer", layers, limits.layers), ("n_head", heads, width)] where value > limit {
            return "\(key) \(value) is above the largest tablm accepts (\(limit))"
        }
        if width % heads != 0 { return "n_embd \(width) is not divisible by n_head \(heads)" }
        if parameterEstimate > Double(limits.parameters) {
            return String(format: "the config asks for %.3g parameters, more than tablm accepts (%ld)", parameterEstimate, limits.parameters)
        }
        if !layerNormEpsilon.isFinite || layerNormEpsilon <= 0 || layerNormEpsilon > 0.1 {
            return "layer_norm_epsilon \(layerNormEpsilon) is not in (0, 0.1]"
        }
        for (key, id) in [("bos_token_id", bosTokenID), ("eos_token_id", eosTokenID)] {
            if let id, !(0..<vocabularySize).contains(id) { return "\(key) \(id) is outside the vocabulary (0..<\(vocabularySize))" }
        }
        return nil
    }

    public var headSize: Int { width / heads }
}
