/// The text a tokenizer is trained on, and a record of where it came from.
public enum TokenizerCorpus: Equatable, Sendable {
    /// Built from the schema alone: reveals nothing about the rows beyond the schema.
    case schema(schemaSHA256: String, schemaSource: SchemaSource)
    /// Serialized rows of a data file: reveals those rows' text. Not allowed for private training.
    case rows(dataSHA256: String)
    /// A model tablm did not train (no record).
    case external

    static let recordPrefix = "tablm-corpus:"

    /// The line stored in the model's trainer spec (`input`).
    var record: String {
        switch self {
        case .schema(let hash, let source): return "\(Self.recordPrefix)schema schema-sha256=\(hash) schema-source=\(source.rawValue)"
        case .rows(let hash): return "\(Self.recordPrefix)rows data-sha256=\(hash)"
        case .external: return "external"
        }
    }

    init(record: String?) {
        guard let record, record.hasPrefix(Self.recordPrefix) else {
            self = .external
            return
        }
        let words = record.dropFirst(Self.recordPrefix.count).split(separator: " ")
        var values: [Substring: Substring] = [:]
        for word in words.dropFirst() {
            let parts = word.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        switch words.first {
        case "schema":
            self = .schema(schemaSHA256: String(values["schema-sha256"] ?? ""),
                           schemaSource: SchemaSource(rawValue: String(values["schema-source"] ?? "")) ?? .data)
        case "rows": self = .rows(dataSHA256: String(values["data-sha256"] ?? ""))
        default: self = .external
        }
    }

    /// Whether a model trained on this corpus may be used for private training: only one made from
    /// the schema alone carries no information about the rows.
    public var isRowFree: Bool {
        if case .schema = self { return true }
        return false
    }
}

/// Builds a training corpus from a schema alone: synthetic rows whose values are drawn from the
/// schema's categories and ranges (every category appears), in random column order, spelled by the
/// row template. Deterministic, so the same schema always gives the same tokenizer.
public enum SchemaCorpus {
    public static func sentences(schema: Schema, template: RowTemplate, rows requested: Int? = nil) -> [String] {
        let serializer = RowSerializer(schema: schema, template: template)
        let largestList = schema.columns.map { $0.categories?.count ?? 0 }.max() ?? 0
        let rows = requested ?? max(1000, 4 * largestList)
        var generator = SplitMix64(seed: 0x7461_626C_6D)
        var sentences: [String] = []
        sentences.reserveCapacity(rows + largestList)
        for rowIndex in 0..<rows {
            var row = Row()
            for (columnIndex, column) in schema.columns.enumerated() {
                if column.allowsMissing && rowIndex % 10 == 9 {
                    row.append(.missing)
                } else if let categories = column.categories {
                    // Cycle through the list so every category is seen at least rows / count times.
                    row.append(.category(categories[(rowIndex + columnIndex) % categories.count]))
                } else {
                    row.append(.number(Int64.random(in: column.unitRange, using: &generator)))
                }
            }
            sentences.append(serializer.text(for: row, order: serializer.columnOrder(seed: 1, rowIndex: rowIndex)))
        }
        sentences.append(alphabet(schema: schema, template: template))
        return sentences
    }

    /// Every character the schema's rows can contain (names, categories, template, digits, sign,
    /// point), spaced apart. SentencePiece does not count characters inside user-defined symbols, so
    /// without this line a character seen only in a column name would have no piece of its own.
    public static func alphabet(schema: Schema, template: RowTemplate) -> String {
        let texts = schema.columnNames + schema.columns.flatMap { $0.categories ?? [] }
            + [template.prefix, template.infix, template.suffix, template.separator, template.missing, "-0123456789."]
        var seen = Set<Unicode.Scalar>()
        var scalars: [Unicode.Scalar] = []
        for scalar in texts.flatMap(\.unicodeScalars) where scalar != " " && seen.insert(scalar).inserted {
            scalars.append(scalar)
        }
        return scalars.map(String.init).joined(separator: " ")
    }
}
