import ArgumentParser

@main
struct Tablm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tablm",
        abstract: "Fine-tune small GPT-2-style models on tables; sample private, fair, schema-valid rows.",
        subcommands: [SchemaCommand.self, SerializeCommand.self, ParseCommand.self, TokenizerCommand.self, TokenizeCommand.self,
                      FinetuneCommand.self, PriorCommand.self, GenerateCommand.self, InspectCommand.self, BenchCommand.self, PrivacyCommand.self, EvaluateCommand.self,
                      SweepCommand.self]
    )

    static func main() {
        BLASEnvironment.ensureCoreType()
        main(nil)
    }
}
