import Foundation

/// One grid point of `tablm sweep`: its settings, outcome and evaluation.
public struct SweepResult: Sendable {
    public var epsilon: Double          // +∞: trained without DP
    public var lambda: Double
    public var folder: String
    public var status = "not run"
    public var seconds = 0.0
    public var report: EvaluationReport?

    public init(epsilon: Double, lambda: Double, folder: String) {
        self.epsilon = epsilon
        self.lambda = lambda
        self.folder = folder
    }

    /// "1", "0.5", "inf": for folder names and tables.
    public static func label(_ value: Double) -> String {
        value.isInfinite ? "inf" : (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : "\(value)")
    }

    /// Columns of sweep.csv and how each is read off a report.
    static let metrics: [(String, @Sendable (EvaluationReport) -> Double?)] = [
        ("epsilon_spent", { $0.privacy?.epsilon }),
        ("tstr_lr_accuracy", { $0.classifiers.first?.tstr.accuracy }),
        ("tstr_lr_auc", { $0.classifiers.first?.tstr.rocAUC }),
        ("tstr_gbt_accuracy", { $0.classifiers.dropFirst().first?.tstr.accuracy }),
        ("tstr_gbt_auc", { $0.classifiers.dropFirst().first?.tstr.rocAUC }),
        ("tstr_gbt_f1", { $0.classifiers.dropFirst().first?.tstr.f1 }),
        ("trtr_gbt_auc", { $0.classifiers.dropFirst().first?.trtr.rocAUC }),
        ("mean_1way_tv", { $0.meanOneWayTV }),
        ("mean_2way_tv", { $0.meanTwoWayTV }),
        ("frechet", { $0.frechetDistance }),
        ("correlation_difference", { $0.correlationDifference }),
        ("parity_gap_real", { $0.fairness?.realParityGap }),
        ("parity_gap_synthetic", { $0.fairness?.syntheticParityGap }),
        ("tstr_gbt_dp_difference", { $0.classifiers.dropFirst().first?.tstrDemographicParityDifference }),
        ("tstr_gbt_eo_difference", { $0.classifiers.dropFirst().first?.tstrEqualizedOddsDifference }),
        ("exact_copy_rate", { $0.exactCopyRate }),
        ("mia_distance_auc", { $0.membership.distanceAUC }),
        ("mia_likelihood_auc", { $0.membership.likelihoodAUC }),
    ]

    public func value(_ metric: String) -> Double? {
        guard let report, let read = Self.metrics.first(where: { $0.0 == metric })?.1 else { return nil }
        return read(report)
    }

    /// The sweep as CSV: one line per run, empty cells where a run failed or a metric does not apply.
    public static func csv(_ results: [SweepResult]) -> String {
        var lines = [(["epsilon", "lambda", "status", "seconds"] + metrics.map(\.0)).joined(separator: ",")]
        for result in results {
            let status = CSVRecordWriter.quoted(result.status, always: true)
            let values = metrics.map { name, _ in result.value(name).map { String(format: "%.4f", $0) } ?? "" }
            lines.append(([label(result.epsilon), label(result.lambda), status, String(format: "%.0f", result.seconds)] + values).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
