import Foundation

/// `tablm sweep`: fine-tune → generate → evaluate at each (ε, λ) of a grid, with everything else
/// held fixed, so the trade-offs are measured on one table. Each point gets a folder with its
/// checkpoint, rows, evaluation.json and report.html; sweep.csv and sweep.html are rewritten after
/// every point. A point whose folder holds rows made with the same arguments is not trained again
/// (it is evaluated again); a failed point is recorded and the sweep goes on.
public struct SweepRun {
    /// What one point runs: its requests, and the line of arguments that names them (kept in the
    /// point's arguments.txt to recognise a point already done).
    public struct Plan {
        public var training: FinetuneRequest
        public var generation: GenerateRequest
        public var evaluation: EvaluateRequest
        public var arguments: String

        public init(training: FinetuneRequest, generation: GenerateRequest, evaluation: EvaluateRequest, arguments: String) {
            self.training = training
            self.generation = generation
            self.evaluation = evaluation
            self.arguments = arguments
        }
    }

    public enum Event {
        case message(String)
        case training(FinetuneEvent)
        case generation(GenerateEvent)
        case evaluation(String)
    }

    /// The grid, ε = +∞ meaning no privacy.
    public var points: [(epsilon: Double, lambda: Double)]
    public var output: String
    /// The files every point reads (the table, the test split, the schema), which the output must not be.
    public var inputs: [String?] = []
    public var title: String
    /// The plan of a point whose checkpoint and rows go to the two paths given.
    public var plan: (_ point: (epsilon: Double, lambda: Double), _ checkpoint: String, _ synthetic: String, _ folder: URL) throws -> Plan

    public init(points: [(epsilon: Double, lambda: Double)], output: String, title: String,
                plan: @escaping (_ point: (epsilon: Double, lambda: Double), _ checkpoint: String, _ synthetic: String, _ folder: URL) throws -> Plan) {
        self.points = points
        self.output = output
        self.title = title
        self.plan = plan
    }

    /// The options a sweep sets for each point, which the further options passed to every run must
    /// not set again: given there they came after the point's own and won (`--epsilon 50` under a
    /// row labelled ε = 1, `--data` training on another table than the one evaluated).
    public static let ownedOptions = (finetune: ["--data", "--schema", "--template", "--dp", "--epsilon", "--delta", "--fairness-lambda", "--sensitive", "-o", "--output"],
                                      generate: ["--checkpoint", "--rows", "-o", "--output"])

    /// Refuses a further option that `ownedOptions` holds, naming it.
    public static func refuseOwnedOptions(finetune: [String], generate: [String]) throws {
        for (words, owned, option) in [(finetune, ownedOptions.finetune, "--finetune-args"), (generate, ownedOptions.generate, "--generate-args")] {
            if let word = words.first(where: { owned.contains(String($0.prefix { $0 != "=" })) }) {
                throw OptionError("\(option) gives \(word.prefix { $0 != "=" }), which the sweep sets for each point (its own option: --data, --schema, --epsilons, --delta, --lambdas, --rows, -o)")
            }
        }
    }

    /// Runs every point; `describe` turns a point's error into its one-line status.
    public func run(events: @escaping (Event) -> Void, describe: (Error) -> String) throws -> [SweepResult] {
        let owned = OutputDestination.FolderKind(owns: { $0.hasPrefix("eps-") || $0 == "sweep.csv" || $0 == "sweep.html" })
        try OutputDestination.checkFolder(output, option: "-o", what: "sweep", kind: owned, inputs: inputs, force: false)
        let root = URL(fileURLWithPath: output)
        // Every point's options and columns are checked before any point trains: a bad one would
        // otherwise fail each run after its training.
        for point in points {
            let columns = try EvaluateRun.columns(plan(point, in: root.appendingPathComponent(Self.folderName(point))).evaluation)
            // The fairness term needs one categorical column (a threshold or an intersection is for
            // the metrics): found out only after the λ = 0 points had trained.
            if point.lambda > 0 {
                _ = try FairnessColumns(sensitive: columns.sensitive).sensitiveColumn(for: "--lambdas \(point.lambda)", schema: columns.schema)
            }
        }
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        var results: [SweepResult] = []
        for (index, point) in points.enumerated() {
            let name = Self.folderName(point)
            events(.message("sweep: run \(index + 1)/\(points.count) \(name)"))
            let started = Date()
            var result = SweepResult(epsilon: point.epsilon, lambda: point.lambda, folder: name)
            do {
                result.report = try runOne(point, folder: root.appendingPathComponent(name), events: events)
                result.status = "ok"
            } catch {
                result.status = "failed: " + describe(error).replacingOccurrences(of: "\n", with: " ")
                events(.message("sweep: \(name) \(result.status)"))
            }
            result.seconds = Date().timeIntervalSince(started)
            results.append(result)
            try AtomicFileWriter.write(Data(SweepResult.csv(results).utf8), to: root.appendingPathComponent("sweep.csv").path)
            try AtomicFileWriter.write(Data(SweepReport.html(results, title: title).utf8), to: root.appendingPathComponent("sweep.html").path)
        }
        return results
    }

    /// A point's plan, its checkpoint and rows in `folder`.
    private func plan(_ point: (epsilon: Double, lambda: Double), in folder: URL) throws -> Plan {
        try plan(point, folder.appendingPathComponent("checkpoint").path, folder.appendingPathComponent("synthetic.csv").path, folder)
    }

    /// A point's folder in the output.
    static func folderName(_ point: (epsilon: Double, lambda: Double)) -> String {
        "eps-\(SweepResult.label(point.epsilon))_lambda-\(SweepResult.label(point.lambda))"
    }

    /// One point: fine-tune and generate (unless already done with these arguments), then evaluate.
    private func runOne(_ point: (epsilon: Double, lambda: Double), folder: URL, events: @escaping (Event) -> Void) throws -> EvaluationReport {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let plan = try plan(point, in: folder)
        let synthetic = plan.generation.output
        let argumentsFile = folder.appendingPathComponent("arguments.txt")
        let done = (try? String(contentsOf: argumentsFile, encoding: .utf8)) == plan.arguments && FileManager.default.fileExists(atPath: synthetic)
        if done {
            events(.message("sweep: reusing \(synthetic) (same arguments)"))
        } else {
            try? FileManager.default.removeItem(at: argumentsFile)
            try FinetuneRun(plan.training) { events(.training($0)) }.run()
            try GenerateRun(plan.generation) { events(.generation($0)) }.run()
            try AtomicFileWriter.write(Data(plan.arguments.utf8), to: argumentsFile.path)
        }
        return try EvaluateRun.run(plan.evaluation, report: { events(.evaluation($0)) })
    }
}
