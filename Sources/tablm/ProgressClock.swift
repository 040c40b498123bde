import Foundation

/// Remaining time of a run of steps, from the mean time per step since it started (steps cost about
/// the same; a held-out score adds a little and is averaged in).
struct ProgressClock {
    let startStep: Int
    let totalSteps: Int
    private let started = DispatchTime.now().uptimeNanoseconds
    private var lastReport: UInt64 = 0
    /// Seconds between progress lines of a run whose units arrive in uneven chunks (generate).
    static let reportInterval = 3.0

    init(startStep: Int = 0, totalSteps: Int) {
        self.startStep = startStep
        self.totalSteps = totalSteps
    }

    /// Whether a progress line is due after `done` of the run: the first, every `reportInterval`
    /// seconds, and the last.
    mutating func due(done: Int) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        guard lastReport == 0 || done >= totalSteps || Double(now - lastReport) / 1e9 >= Self.reportInterval else { return false }
        lastReport = now
        return true
    }

    /// Seconds since the run started.
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9 }

    /// Units per second since the run started.
    func rate(done: Int) -> Double {
        Double(done - startStep) / max(seconds, 1e-9)
    }

    /// "  ETA 3m05s" after `step` (1-based) of the run; empty before the first step is done.
    func eta(step: Int) -> String {
        let done = step - startStep
        guard done > 0 else { return "" }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let seconds = Int((elapsed / Double(done) * Double(max(0, totalSteps - step))).rounded())
        return seconds >= 60 ? "  ETA \(seconds / 60)m\(String(format: "%02d", seconds % 60))s" : "  ETA \(seconds)s"
    }
}
