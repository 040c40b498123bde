/// The columns fairness work is about: the sensitive column, and the columns made independent of
/// it. Unset, they are the schema's first sensitive column and its target.
public struct FairnessColumns: Sendable {
    public var sensitive: String?
    public var fair: [String]?

    public init(sensitive: String? = nil, fair: [String]? = nil) {
        self.sensitive = sensitive
        self.fair = fair
    }

    /// The sensitive column: the one named, else the schema's first.
    public func sensitiveColumn(for flag: String, schema: Schema) throws -> String {
        guard let column = sensitive ?? schema.sensitive.first else {
            throw OptionError("\(flag) needs --sensitive COL (the schema names no sensitive column)")
        }
        return column
    }

    /// The columns named here; a tokenizer keeps them apart from their lead-ins (`FieldPieces`).
    public var named: [String] { [sensitive].compactMap { $0 } + (fair ?? []) }

    /// The probe prompts for these columns (or the schema's defaults).
    public func probes(for flag: String, serializer: RowSerializer, tokenizer: Tokenizer) throws -> FairnessProbes {
        let sensitive = try sensitiveColumn(for: flag, schema: serializer.schema)
        let columns = fair ?? serializer.schema.target.map { [$0] } ?? []
        guard !columns.isEmpty else { throw OptionError("\(flag) needs --fair-columns (the schema names no target)") }
        return try FairnessProbes(serializer: serializer, tokenizer: tokenizer, sensitive: sensitive, columns: columns)
    }
}
