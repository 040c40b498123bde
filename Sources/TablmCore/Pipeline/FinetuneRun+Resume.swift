import Foundation

extension FinetuneRun {
    /// A resumed run takes its schema, tokenizer, template, starting weights and, under DP, its δ,
    /// accountant and σ from the checkpoint. An option that says otherwise was taken and ignored:
    /// `--delta 1e-3 --accountant rdp` printed a guarantee at δ = 1e-3 by RDP while the record stayed
    /// PLD at 1e-5, and `--schema` of another table ran on the checkpoint's. Refused before any work.
    /// `schema`: the schema `--schema` names, as the run already loaded it.
    func refuseWhatResumeIgnores(_ checkpoint: Checkpoint, schema: Schema) throws {
        for (option, given) in [("--tokenizer", request.tokenizer), ("--template", request.template), ("--init-from", request.initFrom)] where given != nil {
            throw OptionError("\(option) with --resume: the run continues with the checkpoint's own; leave \(option) out")
        }
        guard schema == checkpoint.schema else {
            throw OptionError("--schema \(request.schema) is not the schema of the checkpoint --resume continues; give its schema.json")
        }
        guard let privacy = request.privacy, let record = checkpoint.record.privacy else { return }
        if privacy.delta != record.delta {
            throw OptionError(String(format: "--delta %g with --resume: the checkpoint's guarantee is at δ = %g, which the run keeps; give --delta %g", privacy.delta, record.delta, record.delta))
        }
        if privacy.accountant.rawValue != record.accountant {
            throw OptionError("--accountant \(privacy.accountant.rawValue) with --resume: the checkpoint was trained with --accountant \(record.accountant), which the run keeps; give --accountant \(record.accountant)")
        }
        if let rows = privacy.rows, let counted = record.rateRows, Double(rows) != counted {
            throw OptionError("--rows \(rows) with --resume: the checkpoint's rate is over \(counted) rows, which the run keeps; leave --rows out")
        }
        if let sigma = privacy.noiseMultiplier, sigma != record.noiseMultiplier {
            throw OptionError("--noise-multiplier \(sigma) with --resume: the run continues at the checkpoint's σ = \(record.noiseMultiplier); leave --noise-multiplier out")
        }
    }

    /// A resumed run trains with the fairness terms it began with: resumed without them, the term
    /// was silently dropped for the rest of the run while the checkpoint's rows were read as fair.
    /// `given`: the terms this run would apply; `resumed`: the checkpoint's record (nil: a new run).
    /// A record with no terms may predate them (before 0.42), so terms given then are taken.
    func refuseAChangedFairnessTerm(_ given: FairnessTermRecord?, resumed: TrainingRecord?) throws {
        guard let began = resumed?.fairness else { return }
        var given = given
        if began.contexts == nil { given?.contexts = nil }   // recorded before the contexts were
        guard given != began else { return }
        throw OptionError("--resume \(request.resume!): the run began with \(began.options); give the same to continue it")
    }
}
