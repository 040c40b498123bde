import ArgumentParser
import TablmCore

/// The columns fairness work is about, shared by `finetune --fairness-lambda` and
/// `generate --mask-fairness`.
struct FairnessOptions: ParsableArguments {
    @Option(help: "The sensitive column the fairness options act on (default: the schema's first sensitive column).")
    var sensitive: String?

    @Option(help: "Comma-separated columns made independent of the sensitive one (default: the schema's target).")
    var fairColumns: String?

    /// The two options make sense only with `flag`; given without it they are refused, not ignored.
    /// `otherUse` names another option that reads --sensitive alone (and whether it is given).
    func refuseWithout(_ flag: String, enabled: Bool, otherUse: (flag: String, enabled: Bool)? = nil) throws {
        if !enabled && fairColumns != nil { throw ValidationError("--fair-columns needs \(flag)") }
        if !enabled && !(otherUse?.enabled ?? false) && sensitive != nil {
            throw ValidationError("--sensitive needs \(flag)\(otherUse.map { " or \($0.flag)" } ?? "")")
        }
    }

    /// The sensitive column: --sensitive, else the schema's first.
    func sensitiveColumn(for flag: String, schema: Schema) throws -> String {
        guard let column = sensitive ?? schema.sensitive.first else {
            throw ValidationError("\(flag) needs --sensitive COL (the schema names no sensitive column)")
        }
        return column
    }

    /// The columns --fair-columns names, if given.
    var fairColumnNames: [String]? {
        fairColumns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
    }

    /// The columns these options name (--sensitive, --fair-columns); a tokenizer keeps them apart from
    /// their lead-ins (`FieldPieces`).
    var namedColumns: [String] { [sensitive].compactMap { $0 } + (fairColumnNames ?? []) }

    /// The probe prompts for the chosen (or the schema's default) columns.
    func probes(for flag: String, serializer: RowSerializer, tokenizer: Tokenizer) throws -> FairnessProbes {
        let sensitive = try sensitiveColumn(for: flag, schema: serializer.schema)
        let columns = fairColumnNames ?? serializer.schema.target.map { [$0] } ?? []
        guard !columns.isEmpty else { throw ValidationError("\(flag) needs --fair-columns (the schema names no target)") }
        return try FairnessProbes(serializer: serializer, tokenizer: tokenizer, sensitive: sensitive, columns: columns)
    }
}
