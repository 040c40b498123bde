import Foundation
import TablmCore

/// A training run's events as lines on stderr, each stage's steps with an ETA.
struct FinetuneProgress {
    /// δ of a private run, for its progress lines.
    let delta: Double?
    private var clock = ProgressClock(totalSteps: 0)

    init(delta: Double?) { self.delta = delta }

    mutating func show(_ event: FinetuneEvent) {
        switch event {
        case .message(let text):
            log(text)
        case .stageStarted(_, let startStep, let totalSteps):
            clock = ProgressClock(startStep: startStep, totalSteps: totalSteps)
        case .step(.prior, let p):
            log(String(format: "prior step %d/%d  epoch %.2f  loss %.4f  lr %.2e  %.0f tok/s", p.step, p.totalSteps, p.epoch, p.loss, p.learningRate,
                       p.tokensPerSecond) + clock.eta(step: p.step))
        case .step(_, let p):
            var line = String(format: "step %d/%d  epoch %.2f  loss %.4f  lr %.2e  |g| %.3f  %.0f tok/s", p.step, p.totalSteps, p.epoch, p.loss,
                              p.learningRate, p.gradientNorm, p.tokensPerSecond)
            if let fairness = p.fairness { line += String(format: "  fair %.4f", fairness) }
            if let heldOut = p.heldOutLoss { line += String(format: "  held-out %.4f", heldOut) }
            log(line + clock.eta(step: p.step))
        case .privateStep(let p):
            log(String(format: "step %d/%d  ε spent %.4f (δ = %.1e)  %.2f steps/s", p.step, p.totalSteps, p.epsilon, delta ?? 0,
                       p.stepsPerSecond) + clock.eta(step: p.step))
        }
    }
}

/// A generation run's events as lines on stderr: messages, and rows sampled every few seconds.
struct GenerateProgress {
    private var clock: ProgressClock

    /// `rows` until the run says how many it samples (`.started`).
    init(rows: Int?) { clock = ProgressClock(totalSteps: rows ?? GenerateRequest.defaultRows) }

    mutating func show(_ event: GenerateEvent) {
        switch event {
        case .message(let text): log(text)
        case .started(let total): clock = ProgressClock(totalSteps: total)
        case .progress(let done, let total):
            if clock.due(done: done) {
                log(String(format: "generate: %d/%d rows  %.0f rows/s", done, total, clock.rate(done: done)) + clock.eta(step: done))
            }
        }
    }
}
