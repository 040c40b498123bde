import ArgumentParser
import Foundation
import TablmCore

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check a training run's privacy from outside: canaries in one run, and the ε they prove beside the accountant's.",
        discussion: """
        A one-run privacy audit (Steinke, Nasr & Jagielski 2023): --canaries rows drawn uniformly from the \
        schema's public domain, each added to --data with probability 1/2, then one training run with the \
        finetune options given after the audit's own (the same as tablm finetune takes, without -o). The \
        model's likelihood of each canary is its membership score; the auditor guesses "in" for the highest \
        and "out" for the lowest, and the count of right guesses gives a lower bound on ε at --confidence. \
        Under --dp it must not exceed the accountant's ε; a run that leaks shows a bound clearly above 0.

        The bound holds for the training as run, on this table; it is a check of the implementation, not a \
        proof of privacy: a small bound says the attack found nothing, not that there is nothing.

        Example:
          tablm audit -o audit-e1 --dp --epsilon 1 \\
              --schema Examples/adult-public-schema.json --data data/adult_train.csv
        """
    )

    @Option(help: "Canary rows (each included with probability 1/2).") var canaries = 1000
    @Option(help: "Seed of the canaries and their coins (default: a fresh random one).") var auditSeed: UInt64?
    @Option(help: "Confidence of the lower bound.") var confidence = 0.95
    @Option(name: [.customShort("o"), .customLong("output"), .customLong("work")], help: "Folder for the checkpoint and audit.json (created; --work is the older name).") var work: String
    @OptionGroup(title: "The training run (the options of tablm finetune)") var training: FinetuneOptions
    @Option(help: .hidden) var resume: String?

    func validate() throws {
        try requireRange("--canaries", canaries, .closed(10), .closed(1_000_000))
        try requireRange("--confidence", confidence, .open(0.5), .open(1))
        guard resume == nil else { throw ValidationError("the audit trains from scratch: drop --resume") }
    }

    func run() throws {
        let request = try training.request(output: work)
        var progress = FinetuneProgress(delta: request.privacy?.delta)
        var audit = AuditRun(training: request, canaries: canaries, seed: auditSeed, confidence: confidence, work: work)
        audit.delta = training.privacy.delta
        let report = try audit.run { progress.show($0) }
        for outcome in report.outcomes {
            log(String(format: "audit: %4d guesses, %4d right (%.1f%%): ε ≥ %.3f", outcome.guesses, outcome.correct,
                       100 * Double(outcome.correct) / Double(max(outcome.guesses, 1)), outcome.epsilonLowerBound))
        }
        let verdict: String
        if let claimed = report.accountantEpsilon {
            verdict = report.epsilonLowerBound <= claimed ? "at or below the accountant's ε = \(String(format: "%.4f", claimed))"
                : "ABOVE the accountant's ε = \(String(format: "%.4f", claimed)): the run leaked more than it claims"
        } else {
            verdict = "(not private: no ε claimed)"
        }
        log(String(format: "audit: ε lower bound %.3f at %.0f%% confidence (Bonferroni over %d guess counts), ", report.epsilonLowerBound,
                   100 * confidence, report.outcomes.count) + verdict)
        print(String(format: "%.6f", report.epsilonLowerBound))
        if let claimed = report.accountantEpsilon, report.epsilonLowerBound > claimed { throw ExitCode(3) }
    }
}
