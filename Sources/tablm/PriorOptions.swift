import ArgumentParser
import TablmCore

/// How a private run uses the marginal prior (`finetune --dp`, `tablm prior`).
enum PriorKind: String, ExpressibleByArgument, CaseIterable {
    /// AIM's adaptive selection and measurement of marginals, fitted by Private-PGM's estimator.
    case aim
    case none
}

struct PriorOptions: ParsableArguments {
    @Option(help: "Marginal prior under --dp: aim (measure selected marginals with noise, train on pseudo rows drawn from their fit, then DP-SGD on the real rows) or none (DP-SGD alone).")
    var prior: PriorKind = .aim

    @Option(help: "Share of --epsilon the prior spends on its own (the rest goes to DP-SGD; the two are composed in one accountant).")
    var priorShare = PriorOptions.defaultShare

    @Option(help: "Pseudo rows drawn from the prior (default: a fresh one for every row the prior steps use, and at least the prior's noisy total).")
    var priorRows: Int?

    // 750 steps of 128 fresh pseudo rows at 2e-3 (the non-private default's batch and rate): 96,000
    // rows copy the prior more closely than 64,000 did, and 128,000 cost more than the run's 15
    // minutes (docs/marginal-prior.md, "How many pseudo rows").
    @Option(help: "Steps of (non-private) training on the pseudo rows before DP-SGD.")
    var priorSteps = 750

    @Option(help: "Pseudo rows per prior step.")
    var priorBatchSize = 128

    @Option(help: "Peak learning rate on the pseudo rows.")
    var priorLr = 2e-3

    @Option(help: "Largest model of the prior, in cells of its junction tree's cliques (AIM's size cap).")
    var priorMaxCells = AIMSettings().maximumModelCells

    static let defaultShare = 0.75

    func validate() throws {
        guard priorShare > 0 && priorShare < 1 || priorShare == 1 else {
            throw ValidationError("--prior-share must be in (0, 1] (got \(priorShare))")
        }
        if let priorRows, priorRows < 1 { throw ValidationError("--prior-rows must be at least 1") }
        guard priorSteps >= 0, priorBatchSize >= 1, priorLr > 0 else { throw ValidationError("--prior-steps must be ≥ 0, --prior-batch-size ≥ 1, --prior-lr > 0") }
        guard priorMaxCells >= 1 else { throw ValidationError("--prior-max-cells must be positive") }
    }

    var aimSettings: AIMSettings {
        var settings = AIMSettings()
        settings.maximumModelCells = priorMaxCells
        return settings
    }

    /// Runs AIM with the plan's share of the budget, charges its events, and logs each round.
    func release(rows: [Row], schema: Schema, plan: inout PrivacyBudgetPlan, share: Double, generator: inout ChaCha20Generator,
                 settings: AIMSettings? = nil) throws -> MarginalPriorRelease {
        guard let rho = plan.rho(share: share) else {
            throw ValidationError("the marginal prior needs --epsilon (a budget to divide), not --noise-multiplier; or use --prior none")
        }
        let sigma = (settings ?? aimSettings).initialSigma(rho: rho, columns: schema.columns.count)
        guard sigma <= Self.largestOneWaySigma else {
            let noise = sigma.isFinite ? String(format: "each cell would get noise σ = %.0f", sigma) : "no finite noise reaches it"
            throw ValidationError(String(format: "the prior's budget (%.3g of ε, ρ = %.3g zCDP) is too small even for the 1-way marginals: %@; raise --epsilon or --prior-share, or use --prior none", share, rho, noise))
        }
        let started = DispatchTime.now().uptimeNanoseconds
        log(String(format: "prior: AIM with ρ = %.4g (zCDP; %.3g of ε on its own); 1-way marginals of %d columns measured with σ = %.1f", rho, share, schema.columns.count, sigma))
        let names = schema.columnNames
        let release = try MarginalPriorRelease.release(rows: rows, schema: schema, rho: rho, settings: settings ?? aimSettings, generator: &generator) { round in
            log(String(format: "prior round %d: %@ measured with σ = %.1f (selection ε = %.3g); ρ used %.4g of %.4g; model %d cells; %.1f s",
                       round.round, round.attributes.map { names[$0] }.joined(separator: " × "), round.sigma, round.selectionEpsilon,
                       round.rhoUsed, rho, round.modelCells, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9))
        }
        plan.record(release.prior.events)
        log(String(format: "prior: %d marginals measured in %.1f s; the fit implies %d rows (noisy); ε so far %.4f",
                   release.prior.measurements.count, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9,
                   release.noisyRowCount, plan.epsilon()))
        return release
    }

    /// Noise on the 1-way cells past which the prior is refused: it would drown any table of a
    /// size tablm trains on.
    static let largestOneWaySigma = 5000.0
}

import Foundation
