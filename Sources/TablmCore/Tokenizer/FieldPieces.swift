/// Field pieces: one token for a column's lead-in and value together (`, workclass is Private`,
/// `, age is 39`), for columns whose values are a list: categorical ones, and integer ones that list
/// their values (`ColumnSchema.values`). Training and sampling time is proportional to tokens; on
/// Adult a row drops from 37.8 tokens to 22.8 (docs/fidelity.md, "Field pieces").
///
/// The schema's target and sensitive columns keep their values apart from their lead-ins: the
/// target's weight, the fairness probes (`<s>sex is` → the value's distribution), the fairness mask
/// and the group-share correction all act on the value token that follows a lead-in.
public enum FieldPieces {
    /// Field pieces a tokenizer gets at most by default (two per value: first field and later ones).
    public static let defaultBudget = 1024

    /// The columns whose fields become pieces: those with a value list, neither target nor sensitive
    /// nor named in `apart`, in schema order while their pieces fit `budget`.
    public static func columns(of schema: Schema, budget: Int, apart: [String] = []) -> [Int] {
        var left = budget
        var chosen: [Int] = []
        for (index, column) in schema.columns.enumerated() {
            guard column.name != schema.target, !schema.sensitive.contains(column.name), !apart.contains(column.name),
                  let values = listedSpellings(of: column) else { continue }
            let pieces = 2 * (values.count + (column.allowsMissing ? 1 : 0))
            if pieces <= left {
                chosen.append(index)
                left -= pieces
            }
        }
        return chosen
    }

    /// How a column's listed values are written: its categories, or an integer column's listed values;
    /// nil for a column without a list.
    static func listedSpellings(of column: ColumnSchema) -> [String]? {
        if column.kind == .categorical { return column.categories ?? [] }
        return column.values.map { $0.map(String.init) }
    }

    /// Every value a field of `column` can hold: the listed spellings and, where allowed, the missing
    /// spelling; nil for a column without a list.
    static func fieldValues(of column: ColumnSchema, template: RowTemplate) -> [String]? {
        listedSpellings(of: column).map { $0 + (column.allowsMissing ? [template.missing] : []) }
    }

    /// The field texts of `columns`: `prefix name infix value` (a row's first field) and the same after
    /// the separator, for every field value.
    static func texts(schema: Schema, template: RowTemplate, columns: [Int]) -> [String] {
        columns.flatMap { index -> [String] in
            let column = schema.columns[index]
            let lead = template.prefix + column.name + template.infix
            return (fieldValues(of: column, template: template) ?? []).flatMap { value in
                [lead + value, template.separator + lead + value]
            }
        }
    }
}

extension Tokenizer {
    /// Whether this tokenizer writes some value of `column` together with its lead-in, i.e. whether
    /// `, C is v` is not the lead-in's tokens followed by the value's. Code that acts on the token
    /// after a lead-in (fairness probes, share corrections) needs the two apart.
    public func joinsLeadIn(of column: ColumnSchema, template: RowTemplate) throws -> Bool {
        guard let values = FieldPieces.fieldValues(of: column, template: template) else { return false }
        return try joinsLeadIn(ofColumn: column.name, values: values, template: template)
    }

    /// The same for the column named `name` and the spellings `values`.
    public func joinsLeadIn(ofColumn name: String, values: [String], template: RowTemplate) throws -> Bool {
        let lead = template.separator + template.prefix + name + template.infix
        let leadTokens = try encode(lead)
        for value in values where try encode(lead + value) != leadTokens + (try encode(value)) {
            return true
        }
        return false
    }
}
