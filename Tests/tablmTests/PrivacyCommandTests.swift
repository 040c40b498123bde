import Foundation
import XCTest

final class PrivacyCommandTests: XCTestCase {
    func testEpsilonAndCalibrate() throws {
        let folder = FileManager.default.temporaryDirectory
        let epsilon = try CommandRunner.run(["privacy", "epsilon", "--sample-rate", "0.04", "--noise-multiplier", "1.5",
                                             "--steps", "2250", "--delta", "1e-5", "--accountant", "rdp"], in: folder)
        XCTAssertEqual(epsilon.status, 0, epsilon.stderr)
        XCTAssertEqual(try XCTUnwrap(Double(epsilon.stdout.trimmingCharacters(in: .whitespacesAndNewlines))), 7.32911117143, accuracy: 1e-5)
        // The default accountant is PLD: dp_accounting's PLDAccountant says 6.76879 here; tablm adds a
        // floating-point allowance, so it may sit a little above, never below.
        let pld = try CommandRunner.run(["privacy", "epsilon", "--sample-rate", "0.04", "--noise-multiplier", "1.5",
                                         "--steps", "2250", "--delta", "1e-5"], in: folder)
        let pldEpsilon = try XCTUnwrap(Double(pld.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertGreaterThanOrEqual(pldEpsilon, 6.76878)
        XCTAssertLessThan(pldEpsilon, 6.77)
        let sigma = try CommandRunner.run(["privacy", "calibrate", "--sample-rate", "0.04", "--steps", "2250", "--delta", "1e-5",
                                           "--epsilon", "7.32911117143", "--accountant", "rdp"], in: folder)
        let value = try XCTUnwrap(Double(sigma.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
        XCTAssertGreaterThanOrEqual(value, 1.5)
        XCTAssertLessThan(value, 1.5 * 1.002)
        let bad = try CommandRunner.run(["privacy", "epsilon", "--sample-rate", "1.5", "--noise-multiplier", "1", "--steps", "1", "--delta", "1e-5"], in: folder)
        XCTAssertNotEqual(bad.status, 0)
        XCTAssertTrue(bad.stderr.contains("--sample-rate must be in (0, 1]"), bad.stderr)
    }

    /// A count release that alone spends more than the target is refused at once (the search for σ
    /// took minutes to find none); `PrivacyAccountantTests` checks what that release spends.
    func testCalibrateRefusesATargetTheCountReleaseAlreadyPasses() throws {
        let started = Date()
        let result = try CommandRunner.run(["privacy", "calibrate", "--sample-rate", "0.01", "--steps", "1000", "--delta", "1e-5",
                                            "--epsilon", "1", "--count-release-noise", "0.1"], in: FileManager.default.temporaryDirectory)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("no noise multiplier up to 10,000 reaches epsilon 1.0 after the count release"), result.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 60)
    }
}
