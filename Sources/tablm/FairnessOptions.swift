import ArgumentParser
import Foundation
import TablmCore

/// The columns fairness work is about, shared by `finetune --fairness-lambda` and
/// `generate --mask-fairness`.
struct FairnessOptions: ParsableArguments {
    @Option(help: "The groups the fairness options act on (default: the schema's first sensitive column): a categorical column (race); for generate --mask-fairness also a threshold (age<25) or an intersection (sex&race).")
    var sensitive: String?

    @Option(help: "Comma-separated columns made independent of the sensitive one (default: the schema's target).")
    var fairColumns: String?

    /// The two options make sense only with `flag`; given without it they are refused, not ignored.
    /// `otherUse` names another option that reads --sensitive alone (and whether it is given).
    func refuseWithout(_ flag: String, enabled: Bool, otherUse: (flag: String, enabled: Bool)? = nil) throws {
        if !enabled && fairColumns != nil { throw ValidationError("--fair-columns needs \(flag)") }
        if !enabled && !(otherUse?.enabled ?? false) && sensitive != nil {
            throw ValidationError("--sensitive needs \(flag)\(otherUse.map { " or \($0.flag)" } ?? "")")
        }
    }

    /// The columns these options name, for the core.
    var columns: FairnessColumns {
        FairnessColumns(sensitive: sensitive, fair: fairColumns.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } })
    }
}
