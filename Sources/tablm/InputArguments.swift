import ArgumentParser

/// What a command reads, named the same in every command: `--data` for a table, `--checkpoint` for
/// a checkpoint folder, `--tokenizer` for a tokenizer. The older form, the path as the first
/// argument, is kept beside the option so scripts keep working.
protocol InputKind {
    static var option: String { get }
    static var what: String { get }
}

enum TableInput: InputKind {
    static let option = "data", what = "The CSV file (header row first)"
}

enum CheckpointInput: InputKind {
    static let option = "checkpoint", what = "Checkpoint folder"
}

enum TokenizerInput: InputKind {
    static let option = "tokenizer", what = "The tokenizer .model file"
}

/// `--OPTION PATH`, or PATH as the first argument; one of them, once.
struct InputArgument<Kind: InputKind>: ParsableArguments {
    @Option(name: .customLong(Kind.option), help: ArgumentHelp("\(Kind.what) (also accepted as the first argument)."))
    var option: String?

    @Argument(help: ArgumentHelp("\(Kind.what), when --\(Kind.option) is not given.", valueName: Kind.option))
    var positional: String?

    func validate() throws {
        if option != nil && positional != nil { throw ValidationError("give --\(Kind.option) once: as the option or as the first argument, not both") }
        if option == nil && positional == nil { throw ValidationError("Missing expected argument '--\(Kind.option) <\(Kind.option)>'") }
    }

    var path: String { option ?? positional ?? "" }
}

typealias TableArgument = InputArgument<TableInput>
typealias CheckpointArgument = InputArgument<CheckpointInput>
