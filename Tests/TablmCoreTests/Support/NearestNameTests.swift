@testable import TablmCore
import XCTest

final class NearestNameTests: XCTestCase {
    /// Levenshtein distances with textbook values (kitten → sitting is 3: two substitutions and an
    /// insertion; flaw → lawn is 2), the empty string, and symmetry.
    func testEditDistanceTextbookValues() {
        XCTAssertEqual(NearestName.editDistance("kitten", "sitting"), 3)
        XCTAssertEqual(NearestName.editDistance("sitting", "kitten"), 3)
        XCTAssertEqual(NearestName.editDistance("flaw", "lawn"), 2)
        XCTAssertEqual(NearestName.editDistance("", "abc"), 3)
        XCTAssertEqual(NearestName.editDistance("abc", ""), 3)
        XCTAssertEqual(NearestName.editDistance("fintune", "finetune"), 1)
        XCTAssertEqual(NearestName.editDistance("same", "same"), 0)
    }

    /// A case-insensitive match wins over a closer spelling (female: Female, not Male at distance 2);
    /// a name far from every candidate suggests nothing.
    func testSuggestions() {
        XCTAssertEqual(NearestName.suggestion(for: "female", among: ["Male", "Female"]), "Female")
        XCTAssertEqual(NearestName.suggestion(for: "fintune", among: ["finetune", "prior", "generate"]), "finetune")
        XCTAssertEqual(NearestName.suggestion(for: "genrate", among: ["finetune", "prior", "generate"]), "generate")
        XCTAssertNil(NearestName.suggestion(for: "zzz", among: ["finetune", "prior"]))
        XCTAssertNil(NearestName.suggestion(for: "x", among: ["y"]))
        XCTAssertEqual(NearestName.hint(for: "Self-emp", among: ["Self-emp-inc", "Private"]), "")
        XCTAssertEqual(NearestName.hint(for: "privat", among: ["Self-emp-inc", "Private"]), " (did you mean 'Private'?)")
    }
}
