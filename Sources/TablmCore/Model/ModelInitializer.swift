/// Starts a model from another one whose vocabulary or context differs: the transformer blocks are
/// kept; embedding rows that have no counterpart are initialised as GPT-2 does (N(0, 0.02)).
public enum ModelInitializer {
    public static func adapt(_ source: GPT2<Float>, vocabularySize: Int, contextLength: Int, seed: UInt64,
                             report: (String) -> Void) -> GPT2<Float> {
        var config = source.config
        config.vocabularySize = vocabularySize
        config.contextLength = contextLength
        if config == source.config { return source }
        let model = GPT2<Float>(config: config)
        model.initializeParameters(seed: seed)
        for tensor in source.layout.tensors where tensor.name != "wte.weight" && tensor.name != "wpe.weight" {
            let target = model.layout.tensor(tensor.name)!
            (model.parameters.baseAddress! + target.offset).update(from: source.parameters.baseAddress! + tensor.offset, count: tensor.count)
        }
        let c = config.width
        if vocabularySize != source.config.vocabularySize {
            report("vocabulary \(source.config.vocabularySize) -> \(vocabularySize): token embeddings re-initialised, the \(config.layers) blocks kept")
        } else {
            model.view("wte.weight").baseAddress!.update(from: source.view("wte.weight").baseAddress!, count: vocabularySize * c)
        }
        let keptPositions = min(contextLength, source.config.contextLength)
        model.view("wpe.weight").baseAddress!.update(from: source.view("wpe.weight").baseAddress!, count: keptPositions * c)
        if contextLength > source.config.contextLength {
            report("context \(source.config.contextLength) -> \(contextLength): \(contextLength - keptPositions) new position embeddings")
        }
        return model
    }
}
