import Foundation

/// A private run's time budget (`finetune --dp --minutes M`): the prior stage's steps are cut to what
/// M leaves once DP-SGD's steps are counted, at the speed `StepTiming` measures at the run's shapes
/// before any row is read. The prior stage is what a cut costs least: its pseudo rows are free (no ε
/// depends on their number), and the model's copy of the prior loses little with fewer of them
/// (Adult at ε = 1: 64,000 pseudo rows gave TSTR 0.899–0.902, 96,000 0.901–0.903; German credit: 400
/// steps level with 750; docs/marginal-prior.md, docs/budget-plan.md). DP-SGD's steps set σ and
/// are kept. Outside the budget: AIM's rounds (seconds on Adult at ε ≤ 1, about half a minute at
/// ε = 10), the accountant's progress evaluations, and generation.
public struct TimeBudget: Sendable, Equatable {
    public var seconds: Double
    /// The speed to size by (nil: measured at the run's shapes before any row is read; tests give one).
    public var timing: StepTiming?

    /// A week: a longer budget is a typo, and the seconds stay far inside a Double's exact integers.
    public static let largestMinutes = 10_080.0

    public init(minutes: Double, timing: StepTiming? = nil) {
        precondition(minutes.isFinite && minutes > 0 && minutes <= Self.largestMinutes)
        seconds = minutes * 60
        self.timing = timing
    }

    /// The fewest prior steps a budget may leave: German credit's prior stage at 120 steps (with
    /// DP-SGD after it) gave TSTR 0.523–0.562 against 0.60–0.71 at 400 (docs/budget-plan.md), so
    /// fewer are not offered; a budget that cannot hold them is refused before any work.
    public static let leastPriorSteps = 120

    /// Seconds the budget leaves the prior stage once DP-SGD's `privateSteps` are counted (at least 0).
    public func secondsLeft(privateSteps: Int, timing: StepTiming) -> Double {
        max(0, seconds - Double(privateSteps) * timing.privateStep)
    }

    /// The prior stage's steps within the budget: the `planned` ones when they fit beside DP-SGD's
    /// `privateSteps`, else as many as do; nil when not even min(`planned`, `leastPriorSteps`) fit.
    public func priorSteps(planned: Int, privateSteps: Int, timing: StepTiming) -> Int? {
        precondition(planned >= 0 && privateSteps >= 0)
        let steps = Int(min(Double(planned), (secondsLeft(privateSteps: privateSteps, timing: timing) / timing.priorStep).rounded(.down)))
        return steps >= min(planned, Self.leastPriorSteps) ? steps : nil
    }

    /// The stage a run takes once `requireRoom` has passed: the cut one, or the least (which the
    /// check made room for, whatever the table's own stage turns out to be).
    public func stageSteps(planned: Int, privateSteps: Int, timing: StepTiming) -> Int {
        priorSteps(planned: planned, privateSteps: privateSteps, timing: timing) ?? min(planned, Self.leastPriorSteps)
    }

    /// Seconds the stages take at `timing`: the prior's steps, then DP-SGD's.
    public static func projectedSeconds(priorSteps: Int, privateSteps: Int, timing: StepTiming) -> Double {
        Double(priorSteps) * timing.priorStep + Double(privateSteps) * timing.privateStep
    }

    /// The checks of a run and its plan, before any row is read: a prior stage to size, and, at
    /// `timing`, room for DP-SGD's steps (at the prior's share asked for: the split may still widen
    /// to the whole budget, which only frees time) and the least stage.
    public func check(_ request: FinetuneRequest, timing: StepTiming?) throws {
        try requireAPriorStage(request.privacy?.prior, resuming: request.resume != nil)
        // The steps are timed without the fairness terms, which run in every prior step (on Adult the
        // stage took three times as long with them): the budget would be overrun.
        if request.fairness.isEnabled {
            throw OptionError("--minutes times the steps without the fairness terms, which run in every prior step and take longer than the step itself; give --prior-steps instead")
        }
        guard let timing else { return }
        try requireRoom(privateSteps: TrainingRecipe.privateSteps(requested: request.steps, priorShare: request.privacy?.priorShare, afterPrior: true),
                        timing: timing)
    }

    /// Refuses a budget that has nothing to size: no prior stage, or one whose steps were given.
    public func requireAPriorStage(_ prior: PriorRequest?, resuming: Bool) throws {
        guard !resuming else { throw OptionError("--minutes sizes a new run's prior stage; a --resume run has none") }
        guard let prior else { throw OptionError("--minutes sizes the prior stage, and --prior none has none; give --steps instead") }
        guard prior.steps == nil else { throw OptionError("--minutes sizes the prior stage's steps: give it or --prior-steps, not both") }
    }

    /// Refuses a budget that cannot hold DP-SGD's `privateSteps` and the least part of the largest
    /// prior stage any table gets (the table's own, sized by the noisy total, is known only after AIM
    /// has spent its share, too late to refuse).
    public func requireRoom(privateSteps: Int, timing: StepTiming) throws {
        guard priorSteps(planned: TrainingRecipe.priorSteps, privateSteps: privateSteps, timing: timing) == nil else { return }
        throw refusal(privateSteps: privateSteps, timing: timing)
    }

    /// The refusal of a budget too short for `privateSteps` DP-SGD steps and the least part of the
    /// largest prior stage.
    private func refusal(privateSteps: Int, timing: StepTiming) -> OptionError {
        let stage = min(TrainingRecipe.priorSteps, Self.leastPriorSteps)
        let least = Self.projectedSeconds(priorSteps: stage, privateSteps: privateSteps, timing: timing)
        let parts = privateSteps == 0
            ? String(format: "the least prior stage (%d steps, %.2f s each) takes", stage, timing.priorStep)
            : String(format: "DP-SGD's %d steps (%.2f s each) and the least prior stage (%d steps, %.2f s each) take", privateSteps, timing.privateStep, stage, timing.priorStep)
        return OptionError(String(format: "--minutes %g is too short here: %@ about %.1f min on this machine; give --minutes %.1f or more%@",
                                  seconds / 60, parts, least / 60, (least / 60 * 10).rounded(.up) / 10, privateSteps == 0 ? "" : ", or fewer --steps"))
    }
}
