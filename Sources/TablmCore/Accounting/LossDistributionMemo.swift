import Foundation

/// Each mechanism's discretised loss distribution and Chernoff moments, kept between ε evaluations.
/// A private run asks the PLD accountant for ε after every 2 % of its steps and a calibration asks
/// at a dozen σ, each time for a history whose prior part never changes; building those parts (the
/// connect-the-dots masses and their moments: exp over every grid point at 34 orders) was most of
/// an evaluation (Adult's ε = 10 history: 1.2 s an evaluation, 50 in a run). The values are the same
/// ones, computed once. Bounded by the grid points it holds; emptied when a new part would pass it.
final class LossDistributionMemo: @unchecked Sendable {
    struct Key: Hashable {
        /// The mechanism with its count set to 1 (the count is the composition's, not the part's).
        let mechanism: PrivacyEvent
        let order: SampledGaussianPair.Order
        let discretization: Double
    }

    struct Part {
        let distribution: PrivacyLossDistribution
        let moments: PrivacyLossDistribution.Moments
    }

    /// 2²² grid points: 32 MB of masses at most.
    static let shared = LossDistributionMemo(largestHeldPoints: 1 << 22)
    let largestHeldPoints: Int

    init(largestHeldPoints: Int) { self.largestHeldPoints = largestHeldPoints }

    private let lock = NSLock()
    private var parts: [Key: Part] = [:]
    private var heldPoints = 0
    private var builds = 0

    /// The part of `mechanism` in `order` on a grid of `discretization`, built by `build` on a miss.
    func part(mechanism: PrivacyEvent, order: SampledGaussianPair.Order, discretization: Double,
              build: () -> PrivacyLossDistribution) -> Part {
        var once = mechanism
        once.steps = 1
        let key = Key(mechanism: once, order: order, discretization: discretization)
        let held = lock.withLock { () -> Part? in
            if let held = parts[key] { return held }
            builds += 1
            return nil
        }
        if let held { return held }
        let distribution = build()
        let part = Part(distribution: distribution, moments: distribution.moments())
        let points = distribution.masses.count
        lock.withLock {
            guard points <= largestHeldPoints, parts[key] == nil else { return }
            if heldPoints + points > largestHeldPoints {
                parts.removeAll()
                heldPoints = 0
            }
            parts[key] = part
            heldPoints += points
        }
        return part
    }

    /// How many parts and grid points are held, and how many parts were built (tests).
    var held: (parts: Int, points: Int) { lock.withLock { (parts.count, heldPoints) } }
    var built: Int { lock.withLock { builds } }
}
