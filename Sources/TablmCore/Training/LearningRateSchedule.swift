import RealModule

/// Linear warmup from 0 to the peak rate, then cosine decay to `minimumFraction` of it by the last
/// step (Loshchilov & Hutter 2017, SGDR, without restarts).
public struct LearningRateSchedule: Codable, Sendable, Equatable {
    public var peak: Double
    public var warmupSteps: Int
    public var totalSteps: Int
    public var minimumFraction: Double

    public init(peak: Double, warmupSteps: Int, totalSteps: Int, minimumFraction: Double = 0.1) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.minimumFraction = minimumFraction
    }

    /// The rate for step `step` (0-based).
    public func rate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step + 1) / Double(warmupSteps) }
        let decaySteps = max(1, totalSteps - warmupSteps)
        let progress = min(1, Double(step - warmupSteps) / Double(decaySteps))
        let minimum = peak * minimumFraction
        return minimum + (peak - minimum) * 0.5 * (1 + Double.cos(.pi * progress))
    }
}
