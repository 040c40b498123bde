/// A term a trainer adds to the loss that depends on the parameters alone, never on the rows (the
/// fairness terms: `FairnessRegularizer`). Under DP-SGD it is added after the clipping and the
/// noise, as post-processing of the private gradient, so it costs no ε. A protocol, so that the
/// trainers need not know the fairness folder.
public protocol TrainingTerm: AnyObject {
    /// Before step `step` (0-based): refresh whatever the term reads from the model.
    func prepare(step: Int) throws
    /// Adds the term's gradient at the model's current parameters to `model.gradients`; returns its value.
    @discardableResult
    func addGradient<S: ModelScalar>(to model: GPT2<S>) -> Double
}
