import XCTest
@testable import TablmCore

final class PublicDiscretizationTests: XCTestCase {
    private let schema = Schema(columns: [
        .categorical("colour", ["red", "green"], allowsMissing: true),
        .integer("age", min: 17, max: 90),
        .integer("gain", min: 0, max: 99_999),
        .real("score", min: -1, max: 1, precision: 2),
        .integer("weight", min: 50, max: 2_000),
    ], source: .public)

    /// Cells come from the schema: categories (+ missing), one per small-range integer, log bins with
    /// 0 alone over [0, 99999], even bins over other ranges.
    func testCellsFromTheSchemaAlone() throws {
        let cells = try PublicDiscretization(schema: schema)
        XCTAssertEqual(cells.sizes[0], 3)
        XCTAssertEqual(cells.sizes[1], 74)
        guard case .bins(let gain, let upper, let logarithmic) = cells.columns[2].layout else { return XCTFail() }
        XCTAssertTrue(logarithmic)
        XCTAssertEqual(upper, 99_999)
        XCTAssertEqual(Array(gain.prefix(2)), [0, 1], "0 is a cell of its own")
        XCTAssertEqual(gain, gain.sorted())
        XCTAssertEqual(Set(gain).count, gain.count)
        // score: 201 values of 0.01 → 32 even bins; weight 1951 values, does not start at 0 → even bins.
        XCTAssertEqual(cells.sizes[3], 32)
        guard case .bins(let weight, _, let weightLog) = cells.columns[4].layout else { return XCTFail() }
        XCTAssertFalse(weightLog)
        XCTAssertEqual(weight.first, 50)
        XCTAssertEqual(cells.columns[2].cell(of: .number(0)), 0)
        XCTAssertEqual(cells.columns[2].cell(of: .number(99_999)), gain.count - 1)
        XCTAssertEqual(cells.columns[0].cell(of: .missing), 2)
        XCTAssertEqual(cells.columns[1].cell(of: .number(17)), 0)
        XCTAssertEqual(cells.columns[1].cell(of: .number(90)), 73)
    }

    /// A value drawn inside a cell maps back to that cell and fits the schema.
    func testValuesDrawnInsideTheirCellsFitTheSchema() throws {
        let cells = try PublicDiscretization(schema: schema)
        let constraint = try RowDecoder(schema: schema, header: schema.columnNames, file: "t")
        var generator = SplitMix64(seed: 3)
        for (c, column) in cells.columns.enumerated() {
            for cell in 0..<column.count {
                for _ in 0..<5 {
                    let value = column.value(ofCell: cell, using: &generator)
                    XCTAssertEqual(column.cell(of: value), cell, "column \(c) cell \(cell)")
                    var row = Row(repeating: .missing, count: schema.columns.count)
                    row[0] = .category("red")
                    for k in 1..<schema.columns.count { row[k] = .number(schema.columns[k].unitRange.lowerBound) }
                    row[c] = value
                    XCTAssertNoThrow(try constraint.row(from: CSVRecord(fields: RowDecoder.fields(of: row, schema: schema), line: 2), file: "t"), "column \(c) cell \(cell)")
                }
            }
        }
    }

    /// A column that lists its values: one cell per listed value when there are few (the cell draws
    /// exactly that value), bins drawing only listed values when there are many, and a bin holding
    /// none gives the nearest listed value. Every value drawn is one the schema allows.
    func testListedValuesAreTheOnlyValuesDrawn() throws {
        let few: [Int64] = [0, 2_174, 7_688, 99_999]
        let many = (0..<300).map { Int64($0) * 300 + 7 }   // 7, 307, ..., 89,707: 300 values, bins over 0...99,999
        let listed = Schema(columns: [
            .integer("gain", min: 0, max: 99_999, values: few),
            .integer("loss", min: 0, max: 99_999, values: many),
        ], source: .public)
        let cells = try PublicDiscretization(schema: listed)
        XCTAssertEqual(cells.sizes[0], 4, "one cell per listed value")
        XCTAssertEqual(cells.columns[0].cell(of: .number(7_688)), 2)
        var generator = SplitMix64(seed: 5)
        for cell in 0..<4 {
            XCTAssertEqual(cells.columns[0].value(ofCell: cell, using: &generator), .number(few[cell]))
        }
        let unlisted = try PublicDiscretization(schema: Schema(columns: [.integer("loss", min: 0, max: 99_999)], source: .public))
        XCTAssertEqual(cells.columns[1].layout, unlisted.columns[0].layout, "300 listed values: the range's log bins")
        let allowed = Set(many)
        guard case .bins(let edges, let upper, _) = cells.columns[1].layout else { return XCTFail() }
        for cell in 0..<cells.sizes[1] {
            let low = edges[cell], high = cell + 1 < edges.count ? edges[cell + 1] - 1 : upper
            let inside = many.filter { (low...high).contains($0) }
            for _ in 0..<20 {
                guard case .number(let value) = cells.columns[1].value(ofCell: cell, using: &generator) else { return XCTFail() }
                XCTAssertTrue(allowed.contains(value), "cell \(cell) drew \(value), not listed")
                if !inside.isEmpty {
                    XCTAssertTrue(inside.contains(value), "cell \(cell) [\(low), \(high)] drew \(value) from outside it")
                } else {
                    // An empty bin gives a neighbour: the largest listed value below it or the smallest above.
                    let neighbours = [many.last { $0 < low }, many.first { $0 > high }].compactMap { $0 }
                    XCTAssertTrue(neighbours.contains(value), "cell \(cell) [\(low), \(high)]: \(value) is not a neighbour")
                }
            }
        }
        // Bins 1, 2, ... below 7 are empty: they give 7, the nearest listed value.
        XCTAssertEqual(cells.columns[1].value(ofCell: 1, using: &generator), .number(7))
    }

    /// A column whose public domain is too large to measure is named with its cell count.
    func testRefusesAHugeDomain() {
        let huge = Schema(columns: [.categorical("code", (0..<5000).map { "c\($0)" })], source: .public)
        XCTAssertThrowsError(try PublicDiscretization(schema: huge)) { error in
            XCTAssertTrue("\(error)".contains("column 'code' has 5000 cells"), "\(error)")
        }
    }
}
