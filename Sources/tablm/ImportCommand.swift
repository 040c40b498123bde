import ArgumentParser
import Foundation
import TablmCore

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Take back what python/train_opacus.py trained: check the weights and the record, recompute ε, write a checkpoint.",
        discussion: """
        The folder holds the weights in Hugging Face GPT-2 layout, the tokenizer, schema and row template of \
        the bundle, and opacus-record.json (the bundle's plan as run: σ, q, steps, δ, C, the target ε and the \
        events before the run). \
        tablm recomputes ε with its own accountant from the events and (σ, q, steps), refuses a record that is \
        incomplete or claims less than that, and writes a normal checkpoint that generate, evaluate, inspect \
        and privacy epsilon take.

        Example:
          tablm import out/bundle-result -o out/adult-opacus
        """
    )

    @Argument(help: "Result folder of train_opacus.py.") var result: String
    @Option(help: "Privacy accountant for the recomputation: pld or rdp.") var accountant: PrivacyAccountant.Method = .pld
    @Option(name: .shortAndLong, help: "Output checkpoint folder.") var output: String

    func run() throws {
        try ImportRun.run(result: result, accountant: accountant, output: output, report: { log($0) })
    }
}
