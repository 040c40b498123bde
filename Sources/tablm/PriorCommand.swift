import ArgumentParser
import Foundation
import TablmCore

struct PriorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prior",
        abstract: "Write the marginal prior's pseudo rows (AIM under DP) as CSV, without a language model.",
        discussion: """
        The same prior finetune --dp learns from, at the whole --epsilon: the public schema's \
        discretisation, 1-way marginals and AIM's rounds measured with the Gaussian mechanism, a graphical \
        model fitted to the noisy marginals, and rows drawn from it. Compare it with the full model \
        through tablm evaluate.

        Example:
          tablm prior --epsilon 1 --schema Examples/adult-public-schema.json \\
              --data data/adult_train.csv -o prior-rows.csv
        """
    )

    @Option(help: "Public schema JSON (\"source\": \"public\").") var schema: String
    @Option(help: "Private table (CSV).") var data: String
    @Option(help: "Target epsilon.") var epsilon: Double
    @Option(help: "Delta of the guarantee.") var delta = 1e-5
    @Option(help: "Privacy accountant: pld or rdp (AIM's rounds are composed by RDP under either; pld matters only for a one-column table).") var accountant: PrivacyAccountant.Method = .pld
    @Option(help: "Rows to write (default: the prior's noisy total).") var rows: Int?
    @Option(help: "Largest model of the prior, in cells.") var maxCells = AIMSettings().maximumModelCells
    @Option(help: "Mirror-descent iterations after each AIM round.") var roundIterations = AIMSettings().roundIterations
    @Option(help: "Mirror-descent iterations of the final fit.") var fitIterations = AIMSettings().finalIterations
    @Flag(help: "Measure every column's pair with the schema's target beside the 1-way marginals, before AIM's rounds (not in AIM; docs/marginal-prior.md).") var targetPairs = false
    @Option(help: "Seed of the sampling of rows from the fitted model (post-processing; not the noise).") var seed: UInt64 = 0
    @Option(help: "Seed the noise (tests only: the guarantee is void).") var insecureSeed: UInt64?
    @Option(name: .shortAndLong, help: "Output CSV.") var output: String

    func validate() throws {
        try requireRange("--epsilon", epsilon, .open(0), .closed(PrivacyBudgetPlan.largestEpsilon))
        try requireRange("--delta", delta, .open(0), .open(1))
        try requireRange("--rows", rows, .closed(1), .closed(Double(GenerateRequest.largestRows)))
        try requireRange("--max-cells", maxCells, .closed(1), .closed(Double(AIMSettings.largestModelCells)))
        try requireRange("--round-iterations", roundIterations, .closed(1), .closed(1e6))
        try requireRange("--fit-iterations", fitIterations, .closed(1), .closed(1e6))
    }

    func run() throws {
        var prior = PriorRun(schema: schema, data: data, epsilon: epsilon, output: output)
        prior.delta = delta
        prior.accountant = accountant
        prior.rows = rows
        prior.aim.maximumModelCells = maxCells
        prior.aim.roundIterations = roundIterations
        prior.aim.finalIterations = fitIterations
        prior.aim.measuresTargetPairs = targetPairs
        prior.seed = seed
        prior.insecureSeed = insecureSeed
        try prior.run(report: { log($0) })
    }
}
