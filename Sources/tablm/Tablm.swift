import ArgumentParser
import Foundation
import TablmCore

@main
struct Tablm: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tablm",
        abstract: "Fine-tune small GPT-2-style models on tables; sample private, fair, schema-valid rows.",
        discussion: """
        Example (the private path; every command's help has its own):
          tablm finetune --dp --epsilon 1 --data data/adult_train.csv \\
              --schema Examples/adult-public-schema.json -o ck
          tablm generate --checkpoint ck -o rows.csv
          tablm evaluate --data data/adult_train.csv --test data/adult_test.csv \\
              --synthetic rows.csv --schema Examples/adult-public-schema.json \\
              --checkpoint ck -o report.html
        """,
        version: TablmVersion.string,
        subcommands: [SchemaCommand.self, SerializeCommand.self, ParseCommand.self, TokenizerCommand.self, TokenizeCommand.self,
                      FinetuneCommand.self, PriorCommand.self, GenerateCommand.self, InspectCommand.self, BenchCommand.self, PrivacyCommand.self, EvaluateCommand.self,
                      SweepCommand.self, AuditCommand.self, ExportCommand.self, ImportCommand.self]
    )

    static func main() {
        BLASEnvironment.ensureCoreType()
        CrashReport.install()
        InterruptCleanup.install { removed in
            if removed > 0 { FileHandle.standardError.write(Data("\ninterrupted: \(removed) unfinished output(s) removed\n".utf8)) }
        }
        if let message = unknownSubcommand(in: Array(CommandLine.arguments.dropFirst())) {
            FileHandle.standardError.write(Data("Error: \(message)\nSee 'tablm --help' for the commands.\n".utf8))
            Foundation.exit(ExitCode.validationFailure.rawValue)
        }
        var command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exitParseError(error)
        }
        do {
            try command.run()
            try StandardOutput.write(flush: true)
        } catch let error as ValidationError {
            exitWithOptionError(error.message, command: command)
        } catch let error as OptionError {
            exitWithOptionError(error.description, command: command)
        } catch {
            exit(withError: error)
        }
    }

    /// A bad option found while running (a check that needed the data or the checkpoint), not while
    /// parsing: ArgumentParser would print the root's usage; point at the subcommand's help instead.
    static func exitWithOptionError(_ message: String, command: ParsableCommand) -> Never {
        let path = (["tablm"] + (commandPath(to: type(of: command)) ?? [])).joined(separator: " ")
        FileHandle.standardError.write(Data("Error: \(message)\nSee '\(path) --help' for its options.\n".utf8))
        Foundation.exit(ExitCode.validationFailure.rawValue)
    }

    /// ArgumentParser's refusal of the command line, as the one line naming the option and a pointer to
    /// the command's help: its own text adds that option's help and the whole usage after the line.
    static func exitParseError(_ error: Error) -> Never {
        guard exitCode(for: error) != .success else { exit(withError: error) }  // --help, --version
        let pointer = fullMessage(for: error).split(separator: "\n").last { $0.contains("--help") }.map { $0.trimmingCharacters(in: .whitespaces) + "\n" }
        FileHandle.standardError.write(Data("Error: \(message(for: error))\n\(pointer ?? "")".utf8))
        Foundation.exit(exitCode(for: error).rawValue)
    }

    /// A word where a subcommand belongs that names none (`tablm fintune --data x`), with the nearest
    /// name: ArgumentParser would otherwise answer about the first option it cannot place.
    static func unknownSubcommand(in arguments: [String], under root: ParsableCommand.Type = Tablm.self, path: [String] = ["tablm"]) -> String? {
        let subcommands = root.configuration.subcommands
        guard let word = arguments.first, !subcommands.isEmpty, !word.hasPrefix("-") else { return nil }
        let names = subcommands.map { $0.configuration.commandName ?? String(describing: $0).lowercased() }
        if let index = names.firstIndex(of: word) {
            return unknownSubcommand(in: Array(arguments.dropFirst()), under: subcommands[index], path: path + [word])
        }
        if word == "help" { return arguments.count < 2 ? nil : unknownSubcommand(in: Array(arguments.dropFirst()), under: root, path: path + ["help"]) }
        return "'\(path.joined(separator: " ")) \(word)': no such command\(NearestName.hint(for: word, among: names)) (commands: \(names.joined(separator: ", ")))"
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
