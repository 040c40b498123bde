import ArgumentParser
import TablmCore

struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Work with table schemas.",
        subcommands: [Infer.self]
    )

    struct Infer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Infer a schema from a CSV file.",
            discussion: """
            Rule: a column whose values are all plain decimal numbers (no leading zeros, no '+') is \
            numeric: 'integer' if none has a decimal point, else 'real' with the most decimals seen as \
            its precision; its range is the smallest and largest value seen. A numeric column with at \
            most --max-categorical-numbers distinct values is categorical instead, and so is every \
            other column, with its distinct values as the category list. Empty fields are missing \
            values. Text columns with more than 10,000 distinct values (identifiers, free text) are \
            refused.

            The schema is marked "source": "data" because it reveals the file's categories and \
            ranges; differentially private training refuses such a schema. Use --public-source only \
            when DATA.csv is itself public (a published release, a codebook table), never for the \
            private rows.

            With --dp-epsilon the schema is estimated under differential privacy instead ("source": \
            "dp"): categories by noisy-count thresholding, numeric ranges by DP quantiles inside public \
            bounds you declare with --numeric. Its (epsilon, delta) is recorded in the file and charged \
            to the total of finetune --dp.

            Example:
              tablm schema infer --data data/adult_train.csv \\
                  --target income --sensitive sex -o schema.json
            """
        )

        @OptionGroup var table: TableArgument
        var data: String { table.path }

        @Option(help: "The column a downstream model predicts.")
        var target: String?

        @Option(help: "A sensitive column (repeat for several).")
        var sensitive: [String] = []

        @Option(help: "Numeric columns with at most this many distinct values are categorical.")
        var maxCategoricalNumbers = 10

        @Option(help: "Integer columns with at most this many distinct values, each in 50 rows on average, list them (\"values\"), so generation writes no other (0: none).")
        var maxListedValues = 256

        @Flag(help: "DATA.csv is public, not private rows: mark the schema \"source\": \"public\".")
        var publicSource = false

        @Option(help: "Estimate the schema under differential privacy with this epsilon (charged to training's total).")
        var dpEpsilon: Double?

        @Option(help: "Delta of the DP estimate.")
        var dpDelta = 1e-6

        @Option(help: "With --dp-epsilon: a numeric column and its public bounds, col=lo..hi[:decimals] (repeatable); other columns are categorical.")
        var numeric: [String] = []

        @Option(help: "Seed the DP noise (tests only: the guarantee does not hold).")
        var insecureSeed: UInt64?

        @Option(name: .shortAndLong, help: "Output schema JSON file.")
        var output: String

        func validate() throws {
            try requireRange("--max-categorical-numbers", maxCategoricalNumbers, .closed(0), .closed(Double(ColumnSchema.largestValueList)))
            try requireRange("--max-listed-values", maxListedValues, .closed(0), .closed(Double(ColumnSchema.largestValueList)))
            try requireRange("--dp-epsilon", dpEpsilon, .open(0), .closed(PrivacyBudgetPlan.largestEpsilon))
            try requireRange("--dp-delta", dpDelta, .open(0), .open(1))
        }

        /// Saves a schema whose rows read back as themselves in the standard template (`RowTemplate`).
        private func save(_ schema: Schema) throws {
            try RowTemplate.standard.validate(against: schema, file: data)
            try SchemaFile.save(schema, to: output)
        }

        func run() throws {
            try OutputDestination.checkFile(output, option: "-o", inputs: [data])
            if let dpEpsilon {
                if insecureSeed != nil { log("warning: --insecure-seed makes the noise predictable; the privacy guarantee does not hold") }
                let schema = try DPSchemaEstimator.estimate(
                    csvPath: data, numeric: numeric.map(DPSchemaEstimator.NumericDeclaration.parse), epsilon: dpEpsilon, delta: dpDelta,
                    target: target, sensitive: sensitive,
                    generator: insecureSeed.map(ChaCha20Generator.init(insecureSeed:)) ?? ChaCha20Generator())
                try save(schema)
                log("schema: \(schema.columns.count) columns estimated under (ε = \(dpEpsilon), δ = \(dpDelta))-DP, source dp -> \(output)")
                if let warning = DPSchemaEstimator.deltaWarning(delta: dpDelta) { log(warning) }
                return
            }
            guard numeric.isEmpty && insecureSeed == nil else { throw ValidationError("--numeric and --insecure-seed need --dp-epsilon") }
            var options = SchemaInference.Options()
            options.target = target
            options.sensitive = sensitive
            options.maxCategoricalNumbers = maxCategoricalNumbers
            options.maxListedValues = maxListedValues
            options.source = publicSource ? .public : .data
            let result = try SchemaInference.infer(csvPath: data, options: options)
            for warning in result.warnings { log("warning: \(warning)") }
            try save(result.schema)
            let kinds = Dictionary(grouping: result.schema.columns, by: \.kind).mapValues(\.count)
            let listed = result.schema.columns.filter { $0.values != nil }.count
            log("schema: \(result.schema.columns.count) columns (\(kinds[.categorical] ?? 0) categorical, \(kinds[.integer] ?? 0) integer (\(listed) listing their values), \(kinds[.real] ?? 0) real) from \(result.rowCount) rows, source \(result.schema.source.rawValue) -> \(output)")
        }
    }
}
