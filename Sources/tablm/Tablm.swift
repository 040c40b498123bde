import ArgumentParser
import Foundation
import TablmCore

@main
struct Tablm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tablm",
        abstract: "Fine-tune small GPT-2-style models on tables; sample private, fair, schema-valid rows.",
        subcommands: [SchemaCommand.self, SerializeCommand.self, ParseCommand.self, TokenizerCommand.self, TokenizeCommand.self,
                      FinetuneCommand.self, PriorCommand.self, GenerateCommand.self, InspectCommand.self, BenchCommand.self, PrivacyCommand.self, EvaluateCommand.self,
                      SweepCommand.self, AuditCommand.self, ExportCommand.self, ImportCommand.self]
    )

    static func main() {
        BLASEnvironment.ensureCoreType()
        InterruptCleanup.install()
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            try command.run()
        } catch let error as ValidationError {
            // Thrown while running (a check that needed the data), not while parsing: ArgumentParser
            // would print the root's usage; point at the subcommand's help instead.
            let path = (["tablm"] + (commandPath(to: type(of: command)) ?? [])).joined(separator: " ")
            FileHandle.standardError.write(Data("Error: \(error.message)\nSee '\(path) --help' for its options.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch {
            exit(withError: error)
        }
    }

    /// The subcommand names that lead from the root to `target` (["privacy", "epsilon"]).
    static func commandPath(to target: ParsableCommand.Type, from root: ParsableCommand.Type = Tablm.self) -> [String]? {
        for sub in root.configuration.subcommands {
            let name = sub.configuration.commandName ?? String(describing: sub).lowercased()
            if sub == target { return [name] }
            if let rest = commandPath(to: target, from: sub) { return [name] + rest }
        }
        return nil
    }
}
