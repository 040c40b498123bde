import Foundation
import TablmCore
import XCTest

final class FixedPointTests: XCTestCase {
    func testFormatMatchesCPrintf() {
        // printf's %.*f is the independent reference for fixed-decimal text.
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let decimals = Int.random(in: 0...4, using: &generator)
            let units = Int64.random(in: -10_000_000...10_000_000, using: &generator)
            let value = Double(units) / pow(10, Double(decimals))
            var expected = String(format: "%.\(decimals)f", value)
            if expected.hasPrefix("-") && Double(expected) == 0 { expected.removeFirst() }
            XCTAssertEqual(FixedPoint.format(units: units, decimals: decimals), expected)
        }
    }

    func testCanonicalParsingRejectsOtherSpellings() {
        XCTAssertEqual(FixedPoint.parse("39", decimals: 0, canonical: true), .success(39))
        XCTAssertEqual(FixedPoint.parse("-12.50", decimals: 2, canonical: true), .success(-1250))
        XCTAssertEqual(FixedPoint.parse("0.5", decimals: 2, canonical: true), .success(50))
        XCTAssertEqual(FixedPoint.parse("007", decimals: 0, canonical: true), .failure(.notCanonical))
        XCTAssertEqual(FixedPoint.parse("-0", decimals: 0, canonical: true), .failure(.notCanonical))
        XCTAssertEqual(FixedPoint.parse("+5", decimals: 0, canonical: true), .failure(.notANumber))
        XCTAssertEqual(FixedPoint.parse("1.234", decimals: 2, canonical: true), .failure(.tooManyDecimals(found: 3)))
        for bad in ["", "-", ".5", "5.", "1e3", "1,000", " 1", "0x10", "١٢"] {
            XCTAssertEqual(FixedPoint.parse(bad, decimals: 2, canonical: true), .failure(.notANumber), bad)
        }
    }

    func testLenientParsingRoundsHalfAwayFromZero() {
        XCTAssertEqual(FixedPoint.parse("+007", decimals: 0, canonical: false), .success(7))
        XCTAssertEqual(FixedPoint.parse("2.345", decimals: 2, canonical: false), .success(235))
        XCTAssertEqual(FixedPoint.parse("-2.345", decimals: 2, canonical: false), .success(-235))
        XCTAssertEqual(FixedPoint.parse("2.344", decimals: 2, canonical: false), .success(234))
        XCTAssertEqual(FixedPoint.parse("39.0", decimals: 0, canonical: false), .success(39))
        XCTAssertEqual(FixedPoint.parse("99999999999999999999", decimals: 0, canonical: false), .failure(.tooLarge))
    }

    func testCanonicalDecimals() {
        XCTAssertEqual(FixedPoint.canonicalDecimals(of: "12"), 0)
        XCTAssertEqual(FixedPoint.canonicalDecimals(of: "-1.250"), 3)
        XCTAssertNil(FixedPoint.canonicalDecimals(of: "02134"))
        XCTAssertNil(FixedPoint.canonicalDecimals(of: "Private"))
    }
}
