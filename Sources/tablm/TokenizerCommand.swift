import ArgumentParser
import Foundation
import TablmCore

struct TokenizerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenizer",
        abstract: "Train and inspect SentencePiece tokenizers for row text.",
        subcommands: [Train.self, Inspect.self]
    )

    struct Train: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Train a tokenizer, from the schema alone by default.",
            discussion: """
            Without --data the corpus is synthetic rows made from the schema (its column names, \
            categories, ranges, the template's separators and the digits), so the tokenizer reveals \
            nothing about any row beyond the schema. This is the only kind private training accepts.

            With --data the corpus is that file's rows as text. The model file records this, and \
            `tablm finetune --dp` will refuse it: a tokenizer trained on private rows leaks them.

            Example:
              tablm tokenizer train --schema Examples/adult-public-schema.json \\
                  -o adult.model
            """
        )

        @OptionGroup var rowText: RowTextOptions

        @Option(help: "Train on this CSV file's rows instead of the schema alone (not for private training).")
        var data: String?

        @Option(help: "Upper bound on the vocabulary size (default: what the schema needs plus 64).")
        var vocabSize: Int?

        @Option(help: "At most this many field pieces, one token for the lead-in and value of a column with a value list (categories or listed integers) together (0: none; the target and sensitive columns never get them).")
        var fieldPieces = FieldPieces.defaultBudget

        @Option(name: .shortAndLong, help: "Output .model file (e.g. Tokenizers/adult.model).")
        var output: String

        func validate() throws {
            try requireRange("--vocab-size", vocabSize, .closed(1), .closed(Double(GPT2Config.limits.vocabulary)))
            try requireRange("--field-pieces", fieldPieces, .closed(0), .closed(Double(GPT2Config.limits.vocabulary)))
        }

        func run() throws {
            try OutputDestination.checkFile(output, option: "-o", inputs: [data] + rowText.paths)
            let serializer = try rowText.load()
            var options = TokenizerTrainer.Options()
            options.vocabularySize = vocabSize
            options.fieldPieceBudget = fieldPieces
            let result: (model: [UInt8], report: TokenizerTrainer.Report)
            if let data {
                result = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template, dataPath: data, options: options)
            } else {
                result = try TokenizerTrainer.train(schema: serializer.schema, template: serializer.template, options: options)
            }
            try AtomicFileWriter.write(Data(result.model), to: output)
            let report = result.report
            log("tokenizer: \(report.vocabularySize) pieces (\(report.userDefinedSymbols) user-defined), trained on \(report.sentences) \(data == nil ? "synthetic rows from the schema" : "rows of \(data!)") -> \(output)")
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a tokenizer's vocabulary size, special ids and training corpus.",
            discussion: "Example:\n  tablm tokenizer inspect --tokenizer adult.model --pieces")

        @OptionGroup var tokenizer: InputArgument<TokenizerInput>
        var model: String { tokenizer.path }

        @Flag(help: "Also list every piece with its id.")
        var pieces = false

        func run() throws {
            let tokenizer = try Tokenizer.load(path: model)
            let corpus: String
            switch tokenizer.corpus {
            case .schema(let hash, let source): corpus = "schema only (schema sha256 \(hash), schema source \(source.rawValue))"
            case .rows(let hash): corpus = "rows of a data file (sha256 \(hash)): not usable for private training"
            case .external: corpus = "unknown (not trained by tablm)"
            }
            print("vocabulary: \(tokenizer.vocabularySize)")
            print("ids: unk \(tokenizer.unknownID), bos \(tokenizer.bosID), eos \(tokenizer.eosID), pad \(tokenizer.padID)")
            print("corpus: \(corpus)")
            if pieces {
                for (id, piece) in tokenizer.pieces.enumerated() { print("\(id)\t\(piece)") }
            }
        }
    }
}

struct TokenizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Read lines of text on stdin and print their token ids, one line each.",
        discussion: "Example:\n  tablm serialize --data Examples/adult-sample.csv --schema schema.json | \\\n      tablm tokenize --tokenizer adult.model"
    )

    @Option(help: "The tokenizer .model file.")
    var tokenizer: String

    @Flag(help: "Print the pieces instead of the ids.")
    var pieces = false

    @Flag(help: "End each line with the end-of-row id.")
    var eos = false

    func run() throws {
        let tokenizer = try Tokenizer.load(path: self.tokenizer)
        let lines = TokenizedLines(tokenizer: tokenizer, lines: TextLines(standardInput: ()))
        var output = ""
        while var ids = try lines.next() {
            if eos { ids.append(tokenizer.eosID) }
            output += pieces ? ids.map { tokenizer.pieces[Int($0)] }.joined(separator: " ")
                             : ids.map(String.init).joined(separator: " ")
            output += "\n"
            if output.utf8.count > 1 << 16 {
                try StandardOutput.write(Array(output.utf8))
                output = ""
            }
        }
        try StandardOutput.write(Array(output.utf8))
    }
}
