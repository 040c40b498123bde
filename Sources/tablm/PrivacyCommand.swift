import ArgumentParser
import Foundation
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
        var prior: [PrivacyEvent] {
            countReleaseNoise.map { [.gaussianRelease(noiseMultiplier: $0)] } ?? []
        }

        func validate() throws {
            guard sampleRate > 0 && sampleRate <= 1 else { throw ValidationError("--sample-rate must be in (0, 1]") }
            guard (0...PrivacyAccountant.maximumSteps).contains(steps) else { throw ValidationError("--steps must be from 0 to \(PrivacyAccountant.maximumSteps) (got \(steps))") }
            guard delta > 0 && delta < 1 else { throw ValidationError("--delta must be in (0, 1)") }
            if let countReleaseNoise, !PrivacyAccountant.noiseMultipliers.contains(countReleaseNoise) { throw ValidationError("--count-release-noise must be from 0.1 to 1e6 (got \(countReleaseNoise))") }
        }
    }

    struct Epsilon: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the epsilon spent by DP-SGD with these settings, or recompute a checkpoint's from its record.",
            subcommands: [Settings.self, Record.self], defaultSubcommand: Settings.self)

        struct Settings: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "settings", abstract: "The epsilon of DP-SGD with these settings.",
            discussion: "Example:\n  tablm privacy epsilon settings --sample-rate 0.008 --steps 100 \\\n      --delta 1e-5 --noise-multiplier 1.1")

            @OptionGroup var mechanism: Mechanism
            @Option(help: "Noise standard deviation divided by the clipping norm.") var noiseMultiplier: Double

            func validate() throws {
                guard PrivacyAccountant.accepts(noiseMultiplier: noiseMultiplier) else { throw ValidationError("--noise-multiplier must be 0 or from 0.1 to 1e6 (got \(noiseMultiplier))") }
            }

            func run() {
                var accountant = PrivacyAccountant(method: mechanism.accountant)
                mechanism.prior.forEach { accountant.record($0) }
                accountant.record(noiseMultiplier: noiseMultiplier, sampleRate: mechanism.sampleRate, steps: mechanism.steps)
                print(accountant.epsilon(delta: mechanism.delta))
            }
        }

        struct Record: ParsableCommand {
            static let configuration = CommandConfiguration(
                commandName: "checkpoint",
                abstract: "Recompute a private checkpoint's epsilon from every mechanism its training.json records (prior, counts, DP-SGD).",
                discussion: "Example:\n  tablm privacy epsilon checkpoint --checkpoint out/adult-dp")

            @OptionGroup var folder: CheckpointArgument
            var checkpoint: String { folder.path }

            func run() throws {
                let path = URL(fileURLWithPath: checkpoint).appendingPathComponent("training.json").path
                let record = try TrainingRecord.load(path: path, schema: nil)
                guard let privacy = record.privacy else { throw InputError("this checkpoint was not trained with --dp", at: SourceLocation(file: path)) }
                let (plan, epsilon, composed) = try PrivacyBudgetPlan.verified(record: privacy, steps: record.steps, file: path)
                for event in plan.accountant.history {
                    switch event {
                    case .sampledGaussian(let sigma, let q, let steps):
                        log(String(format: "%6d × sampled Gaussian σ = %.6g, q = %.6g", steps, sigma, q))
                    case .exponential(let epsilon, let times):
                        log(String(format: "%6d × exponential mechanism ε = %.6g", times, epsilon))
                    }
                }
                log(String(format: "recomputed (%@, δ = %.1e): ε = %.6f; recorded ε = %.6f", plan.accountant.compositionName, privacy.delta, composed, privacy.epsilon))
                print(epsilon)
            }
        }
    }

    struct Calibrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the smallest noise multiplier that keeps epsilon at or below a target.",
        discussion: "Example:\n  tablm privacy calibrate --sample-rate 0.008 --steps 100 --delta 1e-5 \\\n      --epsilon 1")

        @OptionGroup var mechanism: Mechanism
        @Option(help: "Target epsilon.") var epsilon: Double

        func validate() throws {
            try requireRange("--epsilon", epsilon, .open(0), .closed(PrivacyBudgetPlan.largestEpsilon))
            guard mechanism.steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        }

        func run() throws {
            guard let sigma = PrivacyAccountant.calibrate(targetEpsilon: epsilon, delta: mechanism.delta, sampleRate: mechanism.sampleRate,
                                                          steps: mechanism.steps, method: mechanism.accountant, prior: mechanism.prior) else {
                throw ValidationError("no noise multiplier up to 10,000 reaches epsilon \(epsilon)\(mechanism.prior.isEmpty ? "" : " after the count release (--count-release-noise)")")
            }
            print(sigma)
        }
    }
}
