import Foundation

/// `evaluate --json`: every figure of the report at the top level, as before, plus `context`: the
/// files and rows read and kept, schema, checkpoint, release, date and machine the HTML page states
/// first. A figure in a file without them cannot be checked against its inputs or another run.
public struct EvaluationRecord: Encodable {
    public var report: EvaluationReport
    public var context: ReportContext

    public init(report: EvaluationReport, context: ReportContext) {
        self.report = report
        self.context = context
    }

    private enum Key: String, CodingKey { case context }

    /// The report's keys and `context` in one object: JSONEncoder hands the same keyed container to
    /// a second request at one coding path.
    public func encode(to encoder: Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(context, forKey: .context)
    }
}
