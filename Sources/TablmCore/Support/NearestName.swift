/// The name a user most likely meant: a mistyped subcommand (`fintune`), a category in the wrong
/// case (`female` for `Female`), a column with a typo. A case-insensitive match wins; otherwise the
/// name at the smallest Levenshtein distance (Levenshtein 1966), if that distance is at most a third
/// of the typed name's length, rounded down (so `x` suggests nothing, `fintune` suggests `finetune`).
public enum NearestName {
    public static func suggestion(for typed: String, among names: some Sequence<String>) -> String? {
        let names = Array(names)
        let lowered = typed.lowercased()
        if let match = names.first(where: { $0.lowercased() == lowered }) { return match }
        let limit = typed.count / 3
        var best: (name: String, distance: Int)?
        for name in names {
            let distance = editDistance(lowered, name.lowercased())
            if distance <= limit && distance < (best?.distance ?? .max) { best = (name, distance) }
        }
        return best?.name
    }

    /// ` (did you mean 'X'?)`, or "" when nothing is near: for the end of an error line.
    public static func hint(for typed: String, among names: some Sequence<String>) -> String {
        suggestion(for: typed, among: names).map { " (did you mean '\($0)'?)" } ?? ""
    }

    /// Insertions, deletions and substitutions that turn `a` into `b` (one row of the table kept).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let above = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
}
