import Foundation
import XCTest
@testable import TablmCore

/// A private run's time budget: the prior stage cut to what DP-SGD's steps leave, by closed-form
/// arithmetic on a given speed; a budget with no room for the least stage refused, and the figure
/// the refusal suggests being one that fits.
final class TimeBudgetTests: XCTestCase {
    private let timing = StepTiming(priorStep: 0.25, privateStep: 0.5)

    func testThePriorStageTakesWhatDPSGDLeaves() {
        // 2 min, 100 DP-SGD steps of 0.5 s: 70 s left, 280 prior steps of 0.25 s.
        let budget = TimeBudget(minutes: 2)
        XCTAssertEqual(budget.priorSteps(planned: 750, privateSteps: 100, timing: timing), 280)
        XCTAssertEqual(budget.priorSteps(planned: 200, privateSteps: 100, timing: timing), 200, "a stage that fits is not cut")
        XCTAssertEqual(budget.priorSteps(planned: 750, privateSteps: 0, timing: timing), 480, "no DP-SGD: the whole budget")
        // 1 min, 60 DP-SGD steps (30 s): 30 s left, exactly the least stage (120 steps); a budget a
        // thousandth shorter is one step short. (Values a binary fraction holds exactly.)
        XCTAssertEqual(TimeBudget(minutes: 1).priorSteps(planned: 750, privateSteps: 60, timing: timing), TimeBudget.leastPriorSteps)
        XCTAssertNil(TimeBudget(minutes: 0.999).priorSteps(planned: 750, privateSteps: 60, timing: timing))
        XCTAssertNil(TimeBudget(minutes: 0.5).priorSteps(planned: 750, privateSteps: 100, timing: timing), "DP-SGD alone takes 50 s of 30")
        // A table whose whole stage is under the least: it must fit whole (40 steps, 10 s, beside 50 s).
        XCTAssertEqual(TimeBudget(minutes: 1).priorSteps(planned: 40, privateSteps: 100, timing: timing), 40)
        XCTAssertNil(TimeBudget(minutes: 0.999).priorSteps(planned: 40, privateSteps: 100, timing: timing))
        // The largest budget on the fastest steps: no overflow, the planned stage.
        let fast = StepTiming(priorStep: 1e-9, privateStep: 1e-9)
        XCTAssertEqual(TimeBudget(minutes: TimeBudget.largestMinutes).priorSteps(planned: 750, privateSteps: 1 << 20, timing: fast), 750)
        XCTAssertEqual(TimeBudget.projectedSeconds(priorSteps: 280, privateSteps: 100, timing: timing), 120)
    }

    /// The refusal names the option and a budget that fits: taking its suggestion, the run goes on.
    func testTheRefusalSuggestsABudgetThatFits() throws {
        let short = TimeBudget(minutes: 1)
        var refusal: Error?
        XCTAssertThrowsError(try short.requireRoom(privateSteps: 100, timing: timing)) { refusal = $0 }
        let text = "\(try XCTUnwrap(refusal))"
        XCTAssertTrue(text.hasPrefix("--minutes 1 is too short here"), text)
        XCTAssertTrue(text.contains("about 1.3 min"), "50 s of DP-SGD and 30 s of prior steps: \(text)")
        let range = try XCTUnwrap(text.range(of: #"give --minutes [0-9.]+"#, options: .regularExpression), text)
        let suggested = try XCTUnwrap(Double(text[range].dropFirst("give --minutes ".count)), text)
        XCTAssertEqual(suggested, 1.4, "80 s is 1.33 min, rounded up to a tenth")
        XCTAssertNoThrow(try TimeBudget(minutes: suggested).requireRoom(privateSteps: 100, timing: timing))
        XCTAssertNoThrow(try TimeBudget(minutes: 1).requireRoom(privateSteps: 60, timing: timing))
        // Without DP-SGD steps the refusal names the prior stage alone, and no --steps to lower.
        XCTAssertThrowsError(try TimeBudget(minutes: 0.25).requireRoom(privateSteps: 0, timing: timing)) {
            XCTAssertEqual("\($0)", "--minutes 0.25 is too short here: the least prior stage (120 steps, 0.25 s each) takes about 0.5 min on this machine; give --minutes 0.5 or more")
        }
    }

    /// Nothing to size is refused: no prior, a prior whose steps were given, a resumed run.
    func testABudgetNeedsAPriorStageToSize() throws {
        let budget = TimeBudget(minutes: 5)
        XCTAssertNoThrow(try budget.requireAPriorStage(PriorRequest(), resuming: false))
        XCTAssertThrowsError(try budget.requireAPriorStage(nil, resuming: false)) { XCTAssertTrue("\($0)".contains("--prior none"), "\($0)") }
        var given = PriorRequest()
        given.steps = 10
        XCTAssertThrowsError(try budget.requireAPriorStage(given, resuming: false)) { XCTAssertTrue("\($0)".contains("--prior-steps"), "\($0)") }
        XCTAssertThrowsError(try budget.requireAPriorStage(PriorRequest(), resuming: true)) { XCTAssertTrue("\($0)".contains("--resume"), "\($0)") }
    }

    /// A run under a budget, at a given speed: the prior stage of a 500-row table (750 steps of 8
    /// pseudo rows planned) is cut to (60/256 s − 2 × 1/512 s) × 1,024 = 236 steps, and the record says so.
    func testTheRunCutsItsPriorStage() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tablm-time-budget-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var request = FinetuneRequest(data: root.appendingPathComponent("Examples/adult-sample.csv").path,
                                      schema: root.appendingPathComponent("Examples/adult-public-schema.json").path,
                                      output: folder.appendingPathComponent("ckpt").path)
        request.layers = 1
        request.width = 16
        request.heads = 2
        request.steps = 2
        var privacy = PrivacyRequest()
        privacy.epsilon = 3
        privacy.accountant = .rdp
        privacy.expectedBatchSize = 40
        privacy.microBatch = 16
        privacy.insecureSeed = 1
        privacy.prior?.batchSize = 8
        privacy.timeBudget = TimeBudget(minutes: 1.0 / 256, timing: StepTiming(priorStep: 1.0 / 1024, privateStep: 1.0 / 512))
        request.privacy = privacy
        var messages: [String] = []
        try FinetuneRun(request) { event in if case .message(let text) = event { messages.append(text) } }.run()
        let record = try JSONDecoder().decode(TrainingRecord.self, from: Data(contentsOf: folder.appendingPathComponent("ckpt/training.json")))
        let prior = try XCTUnwrap(record.privacy?.prior)
        XCTAssertEqual(prior.steps, 236)
        XCTAssertEqual(prior.pseudoRows, 236 * 8)
        XCTAssertEqual(record.steps, 2, "DP-SGD's steps are kept")
        // The plan for the prior's noisy total cuts the stage to the same steps.
        let plan = try PrivatePlan(request: request, rows: try XCTUnwrap(prior.noisyRows))
        XCTAssertEqual(plan.priorSteps, prior.steps)
        XCTAssertEqual(plan.projectedSeconds, 0.234375, "the whole budget: 236 / 1,024 s + 2 / 512 s")
        XCTAssertTrue(messages.contains { $0.hasPrefix("prior training: 236 steps, not 750: --minutes 0.00390625 leaves") }, messages.joined(separator: "\n"))
    }
}
