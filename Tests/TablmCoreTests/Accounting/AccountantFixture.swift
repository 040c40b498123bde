import Foundation
import TablmCore

/// Reference epsilons from Google's dp_accounting 0.6.0 (Tests/Fixtures/make_accountant_values.py).
struct AccountantFixture: Decodable {
    struct Point: Decodable {
        var noise_multiplier: Double
        var sample_rate: Double
        var steps: Int
        var delta: Double
        /// RdpAccountant at integer orders 2 … 256 (`orders`).
        var epsilon: Double
        /// PLDAccountant, connect-the-dots, discretisation 1e-4.
        var pld_epsilon: Double
        /// In "composed" points: a Gaussian count release (sensitivity 1) with this noise before the
        /// steps, as --balance-groups spends them.
        var prior_noise_multiplier: Double?

        var history: [PrivacyEvent] {
            (prior_noise_multiplier.map { [PrivacyEvent(noiseMultiplier: $0, sampleRate: 1, steps: 1)] } ?? [])
                + [PrivacyEvent(noiseMultiplier: noise_multiplier, sampleRate: sample_rate, steps: steps)]
        }
        var label: String { (prior_noise_multiplier.map { "counts σ \($0), then " } ?? "") + "σ \(noise_multiplier) q \(sample_rate) T \(steps) δ \(delta)" }
    }

    /// A marginal prior's events ("gaussian": σ; "exponential": ε), then DP-SGD when `training` is set.
    struct PriorPoint: Decodable {
        struct Event: Decodable { var kind: String; var parameter: Double; var times: Int }
        struct Training: Decodable { var noise_multiplier: Double; var sample_rate: Double; var steps: Int }
        var events: [Event]
        var training: Training?
        var delta: Double
        var epsilon: Double
        var pld_epsilon: Double

        var history: [PrivacyEvent] {
            events.map { $0.kind == "gaussian" ? .gaussianRelease(noiseMultiplier: $0.parameter, times: $0.times)
                                               : .exponential(epsilon: $0.parameter, times: $0.times) }
                + (training.map { [PrivacyEvent(noiseMultiplier: $0.noise_multiplier, sampleRate: $0.sample_rate, steps: $0.steps)] } ?? [])
        }
    }

    var values: [Point]
    var composed: [Point]
    var prior: [PriorPoint]

    /// The RDP orders the fixture's `epsilon` values were computed at (dp_accounting's integer orders).
    static let orders = (2...256).map(Double.init)

    private static func decoded() throws -> AccountantFixture {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/accountant-values.json")
        return try JSONDecoder().decode(AccountantFixture.self, from: Data(contentsOf: url))
    }

    static func load() throws -> [Point] { try decoded().values }

    static func loadComposed() throws -> [Point] { try decoded().composed }

    static func loadPrior() throws -> [PriorPoint] { try decoded().prior }
}
