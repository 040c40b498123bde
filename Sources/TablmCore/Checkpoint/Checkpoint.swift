import Foundation

/// A self-describing checkpoint folder:
/// - `model.safetensors`: weights in Hugging Face GPT-2 names (F32);
/// - `config.json`: Hugging Face GPT-2 config keys;
/// - `tokenizer.model`, `schema.json`, `row-template.txt`: how rows become tokens;
/// - `training.json`: the training record (data hash, steps, losses, privacy);
/// - `optimizer.safetensors`: AdamW moments and step, for resuming (optional).
/// The folder is written beside its destination and renamed into place, so a crash never leaves a
/// half-written checkpoint where a good one was.
public struct Checkpoint {
    public var model: GPT2<Float>
    public var tokenizer: Tokenizer
    public var schema: Schema
    public var template: RowTemplate
    public var record: TrainingRecord

    public init(model: GPT2<Float>, tokenizer: Tokenizer, schema: Schema, template: RowTemplate, record: TrainingRecord) {
        self.model = model
        self.tokenizer = tokenizer
        self.schema = schema
        self.template = template
        self.record = record
    }

    static let weightsFile = "model.safetensors", configFile = "config.json", tokenizerFile = "tokenizer.model"
    static let schemaFile = "schema.json", templateFile = "row-template.txt", recordFile = "training.json"
    static let optimizerFile = "optimizer.safetensors"

    public static func load(folder: String) throws -> Checkpoint {
        var checkpoint = try loadWithoutRecord(folder: folder)
        checkpoint.record = try TrainingRecord.load(path: URL(fileURLWithPath: folder).appendingPathComponent(recordFile).path,
                                                    schema: checkpoint.schema)
        return checkpoint
    }

    /// The model, tokenizer, schema and template of a folder, each checked; the record left empty
    /// (for `tablm import`, whose record comes from elsewhere).
    public static func loadWithoutRecord(folder: String) throws -> Checkpoint {
        let url = URL(fileURLWithPath: folder)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw InputError("no such checkpoint folder", at: SourceLocation(file: folder))
        }
        let config = try loadConfig(path: url.appendingPathComponent(configFile).path)
        let weights = try SafeTensorsFile(path: url.appendingPathComponent(weightsFile).path)
        // The weights file's size bounds what a config may make us allocate: a config that asks for
        // more parameters than the file holds is refused before the model is built.
        let stored = weights.entries.reduce(0.0) { $0 + Double($1.count) }
        guard stored >= config.parameterEstimate else {
            throw InputError(String(format: "the config needs %.0f weights, the file holds %.0f", config.parameterEstimate, stored),
                             at: SourceLocation(file: weights.path))
        }
        let model = GPT2<Float>(config: config)
        try GPT2Weights.load(weights, into: model)
        if let problem = model.outputProblem() { throw InputError(problem, at: SourceLocation(file: weights.path)) }
        let tokenizer = try Tokenizer.load(path: url.appendingPathComponent(tokenizerFile).path)
        guard tokenizer.vocabularySize == config.vocabularySize else {
            throw InputError("the tokenizer has \(tokenizer.vocabularySize) pieces, the model's vocab_size is \(config.vocabularySize)",
                             at: SourceLocation(file: url.appendingPathComponent(tokenizerFile).path))
        }
        let schema = try SchemaFile.load(path: url.appendingPathComponent(schemaFile).path)
        let template = try RowTemplate.load(path: url.appendingPathComponent(templateFile).path)
        try checkSpelling(schema, by: tokenizer, at: url.appendingPathComponent(schemaFile).path)
        return Checkpoint(model: model, tokenizer: tokenizer, schema: schema, template: template, record: TrainingRecord())
    }

    /// Every column name and category of a checkpoint's schema must be one its tokenizer can spell
    /// (`Tokenizer.spellingProblem`): a category added to schema.json by hand is refused on loading.
    static func checkSpelling(_ schema: Schema, by tokenizer: Tokenizer, at path: String) throws {
        if let problem = tokenizer.spellingProblem(schema) {
            throw InputError("the checkpoint's tokenizer cannot spell \(problem): this schema is not the one its tokenizer was trained from",
                             at: SourceLocation(file: path))
        }
    }

    public static func loadConfig(path: String) throws -> GPT2Config {
        let data = try InputFile.contents(path, what: "a GPT-2 config", limit: InputFile.smallFileLimit)
        try StrictJSON.require(data, path: path)
        let config: GPT2Config
        do {
            config = try JSONDecoder().decode(GPT2Config.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw InputError("not a GPT-2 config: \(context.debugDescription)", at: SourceLocation(file: path))
        } catch let DecodingError.keyNotFound(key, _) {
            throw InputError("not a GPT-2 config: missing key \(quoted: key.stringValue)", at: SourceLocation(file: path))
        } catch {
            throw InputError("not a GPT-2 config: \(error)", at: SourceLocation(file: path))
        }
        if let problem = config.problem { throw InputError(problem, at: SourceLocation(file: path)) }
        return config
    }

    /// Writes the folder (and the optimizer state when given) atomically. With a parameter average
    /// the model holds the average, and the optimizer file keeps the iterate for resuming.
    public func save(to folder: String, optimizer: AdamW? = nil, average: ParameterAverage? = nil) throws {
        try AtomicFolderWriter.write(to: folder, what: "checkpoint", replacing: true) { staging in
            try write(into: staging, optimizer: optimizer, average: average)
        }
    }

    /// Writes the checkpoint's files into an existing folder (`save` gives it a staging folder).
    public func write(into staging: URL, optimizer: AdamW? = nil, average: ParameterAverage? = nil) throws {
        precondition(average.map { $0.modelHoldsAverage && optimizer != nil } ?? true, "a checkpoint saves the average, and the iterate beside the optimizer")
        try GPT2Weights.save(model, metadata: ["producer": "tablm"], to: staging.appendingPathComponent(Self.weightsFile).path)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(model.config).write(to: staging.appendingPathComponent(Self.configFile))
        try encoder.encode(record).write(to: staging.appendingPathComponent(Self.recordFile))
        try Data(tokenizer.modelBytes).write(to: staging.appendingPathComponent(Self.tokenizerFile))
        try SchemaFile.encode(schema).write(to: staging.appendingPathComponent(Self.schemaFile))
        try template.fileText.write(to: staging.appendingPathComponent(Self.templateFile), atomically: false, encoding: .utf8)
        guard let optimizer else { return }
        try optimizer.firstMoment.withUnsafeBufferPointer { m in
            try optimizer.secondMoment.withUnsafeBufferPointer { v in
                try (average?.other ?? []).withUnsafeBufferPointer { iterate in
                    var tensors = [("adam.m", [m.count], m), ("adam.v", [v.count], v)]
                    var metadata = ["step": String(optimizer.step)]
                    if let average {
                        tensors.append((Self.iterateTensor, [iterate.count], iterate))
                        metadata[Self.averageUpdatesKey] = String(average.updates)
                    }
                    try SafeTensorsFile.write(tensors, metadata: metadata, to: staging.appendingPathComponent(Self.optimizerFile).path)
                }
            }
        }
    }

    static let iterateTensor = "average.iterate"
    static let averageUpdatesKey = "average_updates"

    /// Restores AdamW's state saved with this checkpoint; false if the folder has none. With
    /// `average`, a run saved with one resumes exactly: the saved iterate goes into `parameters`
    /// (which hold the checkpoint's weights, the average) and the average behind it; a run saved
    /// without one starts its average at the checkpoint's weights.
    public static func restoreOptimizer(folder: String, into optimizer: AdamW, average: ParameterAverage? = nil,
                                        parameters: UnsafeMutableBufferPointer<Float>? = nil) throws -> Bool {
        let path = URL(fileURLWithPath: folder).appendingPathComponent(optimizerFile).path
        guard FileManager.default.fileExists(atPath: path) else { return false }
        let file = try SafeTensorsFile(path: path)
        guard let m = file.entry("adam.m"), let v = file.entry("adam.v"), m.count == optimizer.firstMoment.count,
              v.count == optimizer.secondMoment.count, let step = file.metadata["step"].flatMap(Int.init) else {
            throw InputError("optimizer state does not match the model", at: SourceLocation(file: path))
        }
        var first = [Float](repeating: 0, count: m.count), second = first
        first.withUnsafeMutableBufferPointer { file.read(m, into: $0.baseAddress!) }
        second.withUnsafeMutableBufferPointer { file.read(v, into: $0.baseAddress!) }
        optimizer.restore(step: step, firstMoment: first, secondMoment: second)
        if let average, let parameters, let entry = file.entry(iterateTensor) {
            guard entry.count == parameters.count, let updates = file.metadata[averageUpdatesKey].flatMap(Int.init), updates >= 0 else {
                throw InputError("the saved iterate does not match the model", at: SourceLocation(file: path))
            }
            var iterate = [Float](repeating: 0, count: entry.count)
            iterate.withUnsafeMutableBufferPointer { file.read(entry, into: $0.baseAddress!) }
            guard iterate.allSatisfy(\.isFinite) else {
                throw InputError("the saved iterate holds a value that is not finite", at: SourceLocation(file: path))
            }
            average.restore(iterate: iterate, updates: updates, parameters: parameters)
        }
        return true
    }
}
