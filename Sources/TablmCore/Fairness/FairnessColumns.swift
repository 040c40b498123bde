/// The columns fairness work is about: the sensitive groups, and the columns made independent of
/// them. Unset, they are the schema's first sensitive column and its target.
public struct FairnessColumns: Sendable {
    /// A column, a threshold (`age<25`) or an intersection (`sex&race`): `SensitiveGroups`.
    public var sensitive: String?
    public var fair: [String]?

    public init(sensitive: String? = nil, fair: [String]? = nil) {
        self.sensitive = sensitive
        self.fair = fair
    }

    /// The sensitive groups: the ones named, else the schema's first sensitive column's values.
    public func sensitiveGroups(for flag: String, schema: Schema) throws -> SensitiveGroups {
        guard let text = sensitive ?? schema.sensitive.first else {
            throw OptionError("\(flag) needs --sensitive COL (the schema names no sensitive column)")
        }
        return try SensitiveGroups(parsing: text, schema: schema)
    }

    /// The sensitive column, for the work that needs one categorical column (the training terms, whose
    /// probe prompts write one group's value; balanced sampling, which restores one column's shares).
    public func sensitiveColumn(for flag: String, schema: Schema) throws -> String {
        if let name = sensitive ?? schema.sensitive.first, let c = schema.index(of: name), schema.columns[c].kind != .categorical {
            throw OptionError("\(flag): \(quoted: name) is not a categorical column (a threshold on it, as \(quoted: name + "<NUMBER"), is for generate --mask-fairness and evaluate)")
        }
        let groups = try sensitiveGroups(for: flag, schema: schema)
        guard let column = groups.singleColumn else {
            throw OptionError("\(flag) needs one categorical --sensitive column; \(quoted: groups.description) is a threshold or an intersection, which generate --mask-fairness and evaluate take")
        }
        return schema.columns[column].name
    }

    /// The fair columns: the ones named, else the schema's target.
    func fairColumns(for flag: String, schema: Schema) throws -> [String] {
        if let fair {
            guard !fair.isEmpty else { throw OptionError("--fair-columns names no column") }
            if let twice = fair.indices.first(where: { fair[..<$0].contains(fair[$0]) }).map({ fair[$0] }) {
                throw OptionError("--fair-columns names \(quoted: twice) twice")
            }
            return fair
        }
        guard let target = schema.target else { throw OptionError("\(flag) needs --fair-columns (the schema names no target)") }
        return [target]
    }

    /// The mask of these groups and columns, with no shifts yet. Any groups: one categorical column,
    /// a threshold or an intersection; the fair columns categorical, each value one token.
    public func mask(for flag: String, serializer: RowSerializer, tokenizer: Tokenizer, strength: Double) throws -> FairnessMask {
        let schema = serializer.schema
        let groups = try sensitiveGroups(for: flag, schema: schema)
        if groups.singleColumn != nil {
            return try FairnessMask(probes: probes(for: flag, serializer: serializer, tokenizer: tokenizer), strength: strength, schema: schema)
        }
        for column in groups.columns where try tokenizer.joinsLeadIn(of: schema.columns[column], template: serializer.template) {
            throw InputError("\(flag): this tokenizer writes \(quoted: schema.columns[column].name)'s lead-in and value as one piece; name it as a sensitive column when the tokenizer is trained")
        }
        let columns = try fairColumns(for: flag, schema: schema).map { name -> FairnessProbes.Column in
            guard let c = schema.index(of: name) else { throw OptionError("--fair-columns: no column \(quoted: name) in the schema") }
            guard !groups.columns.contains(c) else { throw OptionError("--fair-columns: \(quoted: name) is a sensitive column") }
            let (values, tokens) = try FairnessProbes.valueTokens(of: schema.columns[c], template: serializer.template, tokenizer: tokenizer)
            return FairnessProbes.Column(column: c, values: values, tokens: tokens)
        }
        return FairnessMask(groups: groups, groupTokens: [], columns: columns, strength: strength)
    }

    /// The columns named here; a tokenizer keeps them apart from their lead-ins (`FieldPieces`).
    public var named: [String] { (sensitive.map(SensitiveGroups.columnNames) ?? []) + (fair ?? []) }

    /// The probe prompts for these columns (or the schema's defaults).
    public func probes(for flag: String, serializer: RowSerializer, tokenizer: Tokenizer) throws -> FairnessProbes {
        let sensitive = try sensitiveColumn(for: flag, schema: serializer.schema)
        let columns = try fairColumns(for: flag, schema: serializer.schema)
        return try FairnessProbes(serializer: serializer, tokenizer: tokenizer, sensitive: sensitive, columns: columns)
    }
}
