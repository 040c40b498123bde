import TablmCore
import XCTest

/// The property behind row text: for every schema and template tablm accepts, any row, in any column
/// order, reads back as itself, `parse(text(row)) == row`. Schemas are drawn from pieces chosen to
/// collide with the template (separators, field text, other columns' names, the missing spelling),
/// and those `SchemaFile` or `RowTemplate` refuse are skipped and counted.
final class RowTextRoundTripTests: XCTestCase {
    private let templates = [
        RowTemplate.standard,
        RowTemplate(prefix: "<", infix: "=\"", suffix: "\">", separator: " · ", missing: "N/A"),
        RowTemplate(prefix: "", infix: ": ", suffix: "", separator: "; ", missing: "?"),
    ]
    /// Name and value pieces: letters, the templates' parts, and spaces.
    private let pieces = ["a", "b", "ab", "x", "y", " ", "is", " is ", ", ", ",", "; ", ": ", " · ", "=\"", "\">", "<", "N/A", "?", "missing", "é", "-", "1"]

    private func word(_ generator: inout SplitMix64, pieces count: ClosedRange<Int>) -> String {
        (0..<Int.random(in: count, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    private func schema(_ generator: inout SplitMix64, template: RowTemplate) -> Schema {
        var columns: [ColumnSchema] = []
        for index in 0..<Int.random(in: 1...5, using: &generator) {
            // Half the names are plain, so that values can hold them after a separator.
            let name = Bool.random(using: &generator) ? ["a", "b", "ab", "x"][index % 4] + String(repeating: "b", count: index / 4) : word(&generator, pieces: 1...3)
            let missing = Bool.random(using: &generator)
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: columns.append(.integer(name, min: -50, max: 120, allowsMissing: missing))
            case 1: columns.append(.real(name, min: -2, max: 3.5, precision: Int.random(in: 1...3, using: &generator), allowsMissing: missing))
            default:
                var categories = Set((0..<Int.random(in: 1...5, using: &generator)).map { _ in word(&generator, pieces: 1...4) })
                // The collision that made rows ambiguous: a category that is another one, then where
                // row text starts a field of a plain-named column (a = "x" and "x, b is y").
                if Bool.random(using: &generator), let first = categories.first {
                    let other = ["a", "b", "ab", "x"].randomElement(using: &generator)!
                    categories.insert(first + template.suffix + template.separator + template.prefix + other + template.infix + word(&generator, pieces: 0...2))
                }
                columns.append(.categorical(name, categories.sorted(), allowsMissing: missing))
            }
        }
        return Schema(columns: columns, source: .public)
    }

    private func row(of schema: Schema, _ generator: inout SplitMix64) -> Row {
        schema.columns.map { column in
            if column.allowsMissing && Int.random(in: 0..<5, using: &generator) == 0 { return .missing }
            if let categories = column.categories { return .category(categories.randomElement(using: &generator)!) }
            return .number(Int64.random(in: column.unitRange, using: &generator))
        }
    }

    func testEveryAcceptedSchemaReadsItsRowsBack() throws {
        var generator = SplitMix64(seed: 34)
        var accepted = 0, refused = 0, rows = 0
        for _ in 0..<3000 {
            let template = templates.randomElement(using: &generator)!
            let schema = schema(&generator, template: template)
            do {
                try SchemaFile.validate(schema, text: nil, path: "s.json")
                try template.validate(against: schema, file: "s.json")
            } catch {
                refused += 1
                continue
            }
            accepted += 1
            let serializer = RowSerializer(schema: schema, template: template)
            for _ in 0..<20 {
                let original = row(of: schema, &generator)
                let order = Array(schema.columns.indices).shuffled(using: &generator)
                let text = serializer.text(for: original, order: order)
                rows += 1
                XCTAssertEqual(try? serializer.parse(text), original, "\(text) with columns \(schema.columns.map(\.name)) and categories \(schema.columns.map { $0.categories ?? [] })")
            }
        }
        print("RowTextRoundTripTests: \(accepted) schemas accepted (\(refused) refused), \(rows) rows read back")
        XCTAssertGreaterThan(accepted, 500, "the generator should mostly draw schemas tablm accepts")
        XCTAssertGreaterThan(refused, 100, "and some it refuses, or the pieces no longer collide with the templates")
    }
}
