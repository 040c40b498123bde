import Foundation
import TablmCore

/// Reference epsilons from Google's dp_accounting 0.6.0 (Tests/Fixtures/make_accountant_values.py).
struct AccountantFixture: Decodable {
    struct Point: Decodable {
        var noise_multiplier: Double
        var sample_rate: Double
        var steps: Int
        var delta: Double
        /// RdpAccountant at integer orders 2 … 256.
        var epsilon: Double
        /// PLDAccountant, connect-the-dots, discretisation 1e-4.
        var pld_epsilon: Double

        var history: [PrivacyAccountant.Segment] {
            [PrivacyAccountant.Segment(noiseMultiplier: noise_multiplier, sampleRate: sample_rate, steps: steps)]
        }
        var label: String { "σ \(noise_multiplier) q \(sample_rate) T \(steps) δ \(delta)" }
    }

    var values: [Point]

    static func load() throws -> [Point] {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/accountant-values.json")
        return try JSONDecoder().decode(AccountantFixture.self, from: Data(contentsOf: url)).values
    }
}
