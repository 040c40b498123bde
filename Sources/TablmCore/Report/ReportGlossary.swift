/// The terms an evaluation page uses, each in one plain sentence, so that a reader needs no other
/// page to know what TSTR or a Fréchet distance is. The page marks a term's first use with
/// `<abbr title>` and prints its line right under the part it first appears in (a phone shows no
/// titles).
public enum ReportGlossary {
    public struct Term: Sendable {
        public var name: String
        public var definition: String
    }

    public static let terms: [Term] = [
        Term(name: "TSTR", definition: "train on synthetic, test on real: a classifier fitted to the synthetic rows and scored on real test rows it never saw."),
        Term(name: "TRTR", definition: "train on real, test on real: the same classifier fitted to the real training rows, scored on the same test rows; the reference for TSTR."),
        Term(name: "ROC-AUC", definition: "area under the ROC curve: the chance that a classifier scores a random positive row above a random negative one; 0.5 is guessing, 1 is perfect."),
        Term(name: "F1", definition: "the harmonic mean of precision and recall of the positive class."),
        Term(name: "differential privacy", definition: "(ε, δ)-differential privacy: adding or removing any one person's row changes the probability of anything the model produces by at most a factor e^ε, except with probability δ. Smaller ε and δ: more private."),
        Term(name: "noise multiplier", definition: "the standard deviation of the Gaussian noise added to each training step's summed, clipped gradients, as a multiple of the clipping norm; more noise, more privacy per step."),
        Term(name: "membership inference", definition: "an attack that guesses whether a given real row was among the training rows, scored by its ROC-AUC over real training rows (members) and held-out rows (non-members); 0.5 means it does no better than guessing."),
        Term(name: "parity gap", definition: "the largest difference between two groups in the share of rows with the positive class (for the data's own target values)."),
        Term(name: "demographic-parity difference", definition: "the parity gap of a classifier's predictions: the largest difference between groups in the share of rows it calls positive (its selection rate)."),
        Term(name: "equalized-odds difference", definition: "the larger of the gaps between groups in a classifier's true-positive rate and in its false-positive rate (Hardt et al. 2016); 0 means its errors fall alike on every group."),
        Term(name: "selection rate", definition: "the share of a group's test rows a classifier calls positive."),
        Term(name: "TV", definition: "total-variation distance: half the summed absolute difference of two distributions' shares, from 0 (the same) to 1 (no overlap). 1-way: over one column's bins; 2-way: over the joint bins of a pair of columns."),
        Term(name: "Fréchet distance", definition: "the distance between Gaussians fitted to the real and to the synthetic rows (categories one-hot, numbers in units of the real standard deviation): squared gap of the means plus a spread term. It sees only means and spreads, so a few extreme values can dominate it."),
        Term(name: "association", definition: "how strongly two columns depend on each other: Pearson's r for two numbers, Cramér's V for two categories, the correlation ratio η for one of each; 0 is independent."),
        Term(name: "DCR", definition: "distance to closest record: the share of synthetic rows whose nearest training row is nearer than their nearest held-out row; about 0.5 is good, near 1 means copying."),
    ]

    public static func definition(_ name: String) -> String? { terms.first { $0.name == name }?.definition }
}

/// The terms a page has used so far: the first use of each becomes `<abbr title>`, and its
/// definition waits to be printed under the part of the page that used it.
struct GlossaryUse {
    private var used: Set<String> = []
    private var pending: [String] = []

    /// The term as HTML: an `<abbr>` with its definition the first time, plain after.
    mutating func term(_ name: String) -> String {
        let e = SVGChart.escape
        guard let definition = ReportGlossary.definition(name), !used.contains(name) else { return e(name) }
        used.insert(name)
        pending.append(name)
        return "<abbr title=\"\(e(definition))\">\(e(name))</abbr>"
    }

    /// `text` as HTML with the first use of every glossary term in it marked (longest names first,
    /// so "demographic-parity difference" is not read as "parity gap"'s neighbour; never inside a
    /// mark already made).
    mutating func mark(_ text: String) -> String {
        var pieces: [(text: String, markup: Bool)] = [(text, false)]
        for name in ReportGlossary.terms.map(\.name).sorted(by: { $0.count > $1.count }) where !used.contains(name) {
            guard let index = pieces.firstIndex(where: { !$0.markup && $0.text.contains(name) }),
                  let range = pieces[index].text.range(of: name) else { continue }
            let piece = pieces[index].text
            pieces.replaceSubrange(index...index, with: [(String(piece[..<range.lowerBound]), false), (term(name), true),
                                                         (String(piece[range.upperBound...]), false)])
        }
        return pieces.map { $0.markup ? $0.text : SVGChart.escape($0.text) }.joined()
    }

    /// The definitions of the terms first used since the last call, as one block (empty if none).
    mutating func definitions() -> String {
        defer { pending = [] }
        guard !pending.isEmpty else { return "" }
        let e = SVGChart.escape
        return "<dl class=\"terms\">" + pending.map { "<dt>\(e($0))</dt><dd>\(e(ReportGlossary.definition($0)!))</dd>" }.joined() + "</dl>"
    }
}
