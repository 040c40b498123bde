/// Whether a tokenizer can spell a schema's words: each column name and category (numbers are
/// written in digits, which every tokenizer tablm trains holds). A tokenizer from another schema (`finetune --tokenizer`, a checkpoint whose
/// schema.json was edited by hand) was found out only at the first row that used the missing
/// character, mid-training or mid-sampling, as a "column name" naming no file and no category.
extension Tokenizer {
    /// The first name or category this tokenizer cannot spell, as "the category 'Tōkyō' of 'city'
    /// (character 'ō' …)"; nil when it spells them all.
    public func spellingProblem(_ schema: Schema) -> String? {
        for column in schema.columns {
            let texts = [(column.name, "column name \(quoted: column.name)")]
                + (column.categories ?? []).map { ($0, "category \(quoted: $0) of \(quoted: column.name)") }
            for (text, what) in texts {
                do { _ = try encode(text) } catch { return "the \(what) (\(error.message))" }
            }
        }
        return nil
    }
}
