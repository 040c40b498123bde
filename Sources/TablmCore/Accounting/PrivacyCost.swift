/// The privacy a schema estimated under DP spent, charged to the total of a private training run.
public struct PrivacyCost: Codable, Equatable, Sendable {
    public var epsilon: Double
    public var delta: Double

    public init(epsilon: Double, delta: Double) {
        self.epsilon = epsilon
        self.delta = delta
    }
}
