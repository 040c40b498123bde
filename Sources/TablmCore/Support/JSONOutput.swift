import Foundation

/// How tablm writes its reports as JSON (evaluation.json, audit.json, bundle.json, bench, inspect):
/// pretty-printed with sorted keys, so that two runs diff cleanly, and a non-finite figure written
/// as "inf" or "-inf" instead of failing the whole report. An undefined figure (NaN: a rate over an
/// empty group, a ROC-AUC of one class) is `null`: it was the string "nan" where every other value
/// is a number, which a reader compared with numbers takes for one or fails on.
public enum JSONOutput {
    /// What the encoder writes for NaN, then replaced by `null` (JSONEncoder cannot write null for a Double).
    private static let undefined = "tablm:undefined:9c1e"

    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: undefined)
        let data = try encoder.encode(value)
        let text = String(decoding: data, as: UTF8.self)
        guard text.contains(undefined) else { return data }
        return Data(text.replacingOccurrences(of: "\"\(undefined)\"", with: "null").utf8)
    }

    /// Writes `value` to `path` through a temporary file renamed into place.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFileWriter.write(try encode(value), to: path)
    }

    public static func text<T: Encodable>(_ value: T) throws -> String { String(decoding: try encode(value), as: UTF8.self) }
}
