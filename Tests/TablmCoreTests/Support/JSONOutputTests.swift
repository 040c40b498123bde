import Foundation
import TablmCore
import XCTest

/// Undefined figures are JSON's null, not the string "nan" among numbers; infinities stay spelt.
final class JSONOutputTests: XCTestCase {
    private struct Figures: Encodable {
        var rocAUC: Double
        var rates: [Double]
        var epsilon: Double
        var group: String
    }

    func testNaNIsNullAndInfinityIsSpelt() throws {
        let text = try JSONOutput.text(Figures(rocAUC: .nan, rates: [0.25, -.nan], epsilon: .infinity, group: "nan"))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        XCTAssertTrue(object["rocAUC"] is NSNull, text)
        XCTAssertEqual((object["rates"] as? [Any])?.count, 2)
        XCTAssertEqual((object["rates"] as? [Any])?.first as? Double, 0.25)
        XCTAssertTrue((object["rates"] as? [Any])?.last is NSNull, text)
        XCTAssertEqual(object["epsilon"] as? String, "inf")
        XCTAssertEqual(object["group"] as? String, "nan", "a category spelt nan stays a string")
    }
}
