/// Moves GPT-2 weights between a model's flat buffer and safetensors files in Hugging Face naming.
public enum GPT2Weights {
    /// Names accepted on load besides ours: the `transformer.` prefix of GPT2LMHeadModel, and buffers
    /// that are not parameters (the causal mask `attn.bias`, `attn.masked_bias`) or that are tied
    /// (`lm_head.weight`, checked to equal `wte.weight` when present).
    static func canonicalName(_ name: String) -> String {
        name.hasPrefix("transformer.") ? String(name.dropFirst("transformer.".count)) : name
    }

    static func isIgnoredBuffer(_ name: String) -> Bool {
        name.hasSuffix(".attn.bias") || name.hasSuffix(".attn.masked_bias")
    }

    /// Reads every parameter of `model` from `file`. Missing, unexpected or mis-shaped tensors are
    /// errors naming the tensor.
    public static func load<S: ModelScalar>(_ file: SafeTensorsFile, into model: GPT2<S>) throws {
        func fail(_ message: String) -> InputError { InputError(message, at: SourceLocation(file: file.path)) }
        var found = Set<String>()
        var lmHead: SafeTensorsFile.Entry?
        for entry in file.entries {
            let name = canonicalName(entry.name)
            if isIgnoredBuffer(name) { continue }
            if name == "lm_head.weight" {
                lmHead = entry
                continue
            }
            guard let tensor = model.layout.tensor(name) else {
                throw fail("unexpected tensor \(quoted: entry.name) for a GPT-2 with \(model.config.layers) layers")
            }
            guard entry.shape == tensor.shape else {
                throw fail("tensor \(quoted: entry.name) has shape \(entry.shape), the config needs \(tensor.shape)")
            }
            guard found.insert(name).inserted else { throw fail("tensor \(quoted: name) appears twice") }
            file.read(entry, into: model.parameters.baseAddress! + tensor.offset)
        }
        let missing = model.layout.tensors.map(\.name).filter { !found.contains($0) }
        guard missing.isEmpty else {
            throw fail("missing tensor\(missing.count == 1 ? "" : "s") \(missing.prefix(5).joined(separator: ", "))\(missing.count > 5 ? ", ..." : "")")
        }
        // NaN or ±Inf anywhere makes every row degenerate while the run still "succeeds".
        for tensor in model.layout.tensors {
            let values = UnsafeBufferPointer(rebasing: model.parameters[tensor.offset..<tensor.offset + tensor.count])
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor \(quoted: tensor.name) holds \(values[bad]) at element \(bad - values.startIndex): every weight must be finite")
            }
        }
        if let lmHead {
            let wte = model.view("wte.weight")
            guard lmHead.shape == model.layout.tensor("wte.weight")!.shape else { throw fail("lm_head.weight does not match wte.weight's shape") }
            let head = UnsafeMutableBufferPointer<S>.allocate(capacity: lmHead.count)
            defer { head.deallocate() }
            file.read(lmHead, into: head.baseAddress!)
            guard zip(head, wte).allSatisfy({ $0 == $1 }) else {
                throw fail("lm_head.weight differs from wte.weight: tablm's GPT-2 ties them")
            }
        }
    }

    /// Writes the model's parameters as F32, one tensor per view, in Hugging Face names.
    public static func save(_ model: GPT2<Float>, metadata: [String: String], to path: String) throws {
        let base = UnsafeBufferPointer(model.parameters)
        let tensors = model.layout.tensors.map { tensor in
            (name: tensor.name, shape: tensor.shape, values: UnsafeBufferPointer(rebasing: base[tensor.offset..<tensor.offset + tensor.count]))
        }
        try SafeTensorsFile.write(tensors, metadata: metadata.merging(["format": "pt"]) { mine, _ in mine }, to: path)
    }
}
