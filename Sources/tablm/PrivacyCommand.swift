import ArgumentParser
import TablmCore

extension PrivacyAccountant.Method: ExpressibleByArgument {}

struct PrivacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Privacy accounting for DP-SGD (the Poisson-subsampled Gaussian mechanism).",
        subcommands: [Epsilon.self, Calibrate.self]
    )

    struct Mechanism: ParsableArguments {
        @Option(help: "Probability that a row joins a step (Poisson sampling).") var sampleRate: Double
        @Option(help: "Steps taken.") var steps: Int
        @Option(help: "Target delta.") var delta: Double
        @Option(help: "Accountant: pld (privacy loss distributions, tight) or rdp (Rényi DP, Mironov et al. 2019; faster, looser). Both are upper bounds.") var accountant: PrivacyAccountant.Method = .pld
        @Option(help: "Noise of a Gaussian count release (sensitivity 1) composed before the steps, as finetune --balance-groups makes one.") var countReleaseNoise: Double?

        /// The count release, when there is one, as the accountant's first segment.
        var prior: [PrivacyAccountant.Segment] {
            countReleaseNoise.map { [.gaussianRelease(noiseMultiplier: $0)] } ?? []
        }

        func validate() throws {
            guard sampleRate > 0 && sampleRate <= 1 else { throw ValidationError("--sample-rate must be in (0, 1]") }
            guard steps >= 0 else { throw ValidationError("--steps must be non-negative") }
            guard delta > 0 && delta < 1 else { throw ValidationError("--delta must be in (0, 1)") }
            if let countReleaseNoise, countReleaseNoise <= 0 { throw ValidationError("--count-release-noise must be positive") }
        }
    }

    struct Epsilon: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the epsilon spent by DP-SGD with these settings.")

        @OptionGroup var mechanism: Mechanism
        @Option(help: "Noise standard deviation divided by the clipping norm.") var noiseMultiplier: Double

        func validate() throws {
            guard noiseMultiplier >= 0 else { throw ValidationError("--noise-multiplier must be non-negative") }
        }

        func run() {
            var accountant = PrivacyAccountant(method: mechanism.accountant)
            mechanism.prior.forEach { accountant.record($0) }
            accountant.record(noiseMultiplier: noiseMultiplier, sampleRate: mechanism.sampleRate, steps: mechanism.steps)
            print(accountant.epsilon(delta: mechanism.delta))
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the smallest noise multiplier that keeps epsilon at or below a target.")

        @OptionGroup var mechanism: Mechanism
        @Option(help: "Target epsilon.") var epsilon: Double

        func run() throws {
            guard let sigma = PrivacyAccountant.calibrate(targetEpsilon: epsilon, delta: mechanism.delta, sampleRate: mechanism.sampleRate,
                                                          steps: mechanism.steps, method: mechanism.accountant, prior: mechanism.prior) else {
                throw ValidationError("no noise multiplier up to 10,000 reaches epsilon \(epsilon)")
            }
            print(sigma)
        }
    }
}
