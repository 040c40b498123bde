import Foundation

/// How tablm writes its reports as JSON (evaluation.json, audit.json, bundle.json, bench, inspect):
/// pretty-printed with sorted keys, so that two runs diff cleanly, and a non-finite figure written
/// as "inf", "-inf" or "nan" instead of failing the whole report.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        return try encoder.encode(value)
    }

    /// Writes `value` to `path` through a temporary file renamed into place.
    public static func write<T: Encodable>(_ value: T, to path: String) throws {
        try AtomicFileWriter.write(try encode(value), to: path)
    }

    public static func text<T: Encodable>(_ value: T) throws -> String { String(decoding: try encode(value), as: UTF8.self) }
}
