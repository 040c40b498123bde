import Foundation

/// A condition on one column for conditional generation: `sex=Female`, `race=White|Black`,
/// `age>=40`, `age<65`, `hours_per_week=35..45`.
public struct ColumnCondition: Equatable, Sendable {
    public enum Restriction: Equatable, Sendable {
        /// One of these values (categories, the missing spelling, or numbers as text).
        case values([String])
        /// A numeric range (inclusive bounds as text; nil means unbounded).
        case range(lower: String?, lowerInclusive: Bool, upper: String?, upperInclusive: Bool)
    }

    public var column: String
    public var restriction: Restriction
    /// The whole text after `=`, as written: on a categorical column a category spelt so (`A|B`,
    /// `20..30`) is that category, not a list or a range.
    public var literal: String?

    public init(column: String, restriction: Restriction, literal: String? = nil) {
        self.column = column
        self.restriction = restriction
        self.literal = literal
    }

    /// Parses `col=v`, `col=a|b`, `col>=x`, `col>x`, `col<=x`, `col<x`, `col=lo..hi`. The first of
    /// `=`, `<`, `>` is the operator, so a value may hold the others (`income=>50K`, `income=<=50K`).
    public static func parse(_ text: String) throws -> ColumnCondition {
        if let first = text.firstIndex(where: { "=<>".contains($0) }), text[first] != "=" {
            let lower = text[first] == ">"
            var boundStart = text.index(after: first)
            let inclusive = boundStart < text.endIndex && text[boundStart] == "="
            if inclusive { boundStart = text.index(after: boundStart) }
            let column = String(text[..<first]).trimmingCharacters(in: .whitespaces)
            let bound = String(text[boundStart...]).trimmingCharacters(in: .whitespaces)
            guard !column.isEmpty, !bound.isEmpty else {
                throw InputError("condition \(quoted: text) needs a column and a bound (column>=x, column<x)")
            }
            return ColumnCondition(column: column, restriction: lower
                ? .range(lower: bound, lowerInclusive: inclusive, upper: nil, upperInclusive: true)
                : .range(lower: nil, lowerInclusive: true, upper: bound, upperInclusive: inclusive))
        }
        guard let equals = text.firstIndex(of: "=") else {
            throw InputError("condition \(quoted: text) is not column=value, column=a|b, column>=x, column<x or column=lo..hi")
        }
        let column = String(text[..<equals]).trimmingCharacters(in: .whitespaces)
        let value = String(text[text.index(after: equals)...])
        guard !column.isEmpty, !value.isEmpty else { throw InputError("condition \(quoted: text) needs a column and a value") }
        if let dots = value.range(of: ".."), !value.contains("|") {
            let low = String(value[..<dots.lowerBound]), high = String(value[dots.upperBound...])
            if FixedPoint.canonicalDecimals(of: low) != nil || FixedPoint.canonicalDecimals(of: high) != nil {
                return ColumnCondition(column: column, restriction: .range(lower: low, lowerInclusive: true, upper: high, upperInclusive: true), literal: value)
            }
        }
        return ColumnCondition(column: column, restriction: .values(value.split(separator: "|", omittingEmptySubsequences: false).map(String.init)), literal: value)
    }
}

