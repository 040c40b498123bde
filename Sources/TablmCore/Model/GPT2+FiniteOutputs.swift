extension GPT2 {
    /// Why the model cannot be used, when its logits on a probe row are not all finite: weights each
    /// finite (loading checks that) can still overflow together, as in a checkpoint scaled by hand or a
    /// run that diverged. Training from such a model spent ε and wrote NaN weights under a success
    /// line; sampling from it wrote "valid" rows drawn from NaN logits. The probe's tokens are fixed
    /// (the first ids of the vocabulary), so it reads no row; nil when the logits are finite.
    public func outputProblem() -> String? {
        let length = min(config.contextLength, 8)
        let tokens = (0..<length).map { Int32($0 % config.vocabularySize) }
        guard let bad = logits(tokens: tokens, batch: 1, length: length).first(where: { !$0.isFinite }) else { return nil }
        return "its logits are not finite (\(bad) on a probe row): the weights overflow together (scaled, or from a run that diverged)"
    }
}
