import Foundation

/// Element types of a safetensors file that tablm reads (it writes F32).
public enum SafeTensorsDType: String, Sendable {
    case f32 = "F32", f16 = "F16", bf16 = "BF16", f64 = "F64"

    var size: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .f64: 8
        }
    }
}

/// A safetensors file (https://github.com/huggingface/safetensors, "Format"): an 8-byte little-endian
/// header length N, N bytes of JSON mapping each tensor name to {dtype, shape, data_offsets} plus an
/// optional `__metadata__` of strings, then the tensor bytes. The file is memory-mapped; every rule
/// of the format is checked on open, so a truncated or hostile file is refused with a reason.
public struct SafeTensorsFile: @unchecked Sendable {
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: SafeTensorsDType
        public var shape: [Int]
        /// Byte range inside the data section.
        public var range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    /// The reference implementation refuses headers above 100 MB; so does this one.
    public static let maximumHeaderSize = 100_000_000

    public let path: String
    public let metadata: [String: String]
    /// Tensors in the order of their data.
    public let entries: [Entry]
    private let mapping: MappedFile
    private let dataStart: Int

    public init(path: String) throws {
        self.path = path
        mapping = try MappedFile(path: path)
        let bytes = mapping.bytes
        func fail(_ message: String) -> InputError { InputError("not a valid safetensors file: \(message)", at: SourceLocation(file: path)) }
        guard bytes.count >= 8 else { throw fail("shorter than the 8-byte header length") }
        var length: UInt64 = 0
        for i in 0..<8 { length |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard length <= UInt64(Self.maximumHeaderSize) else { throw fail("header length \(length) exceeds \(Self.maximumHeaderSize) bytes") }
        guard length >= 2, Int(length) <= bytes.count - 8 else {
            throw fail("header length \(length) runs past the end of the \(bytes.count)-byte file")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: bytes[8..<8 + Int(length)])
        guard headerBytes.first == UInt8(ascii: "{") else { throw fail("the header does not start with '{'") }
        if let violation = StrictJSON.check(Array(headerBytes)) {
            throw fail("the header breaks JSON's rules at byte \(8 + violation.offset): \(violation.message)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw fail("the header is not JSON (\((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"))")
        }
        guard let header = object as? [String: Any] else { throw fail("the header is not a JSON object") }
        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        for (name, value) in header {
            if name == "__metadata__" {
                guard let pairs = value as? [String: Any] else { throw fail("__metadata__ is not an object") }
                for (key, item) in pairs {
                    guard let text = item as? String else { throw fail("__metadata__ value \(quoted: key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard let info = value as? [String: Any] else { throw fail("tensor \(quoted: name) is not an object") }
            guard let dtypeName = info["dtype"] as? String else { throw fail("tensor \(quoted: name) has no dtype") }
            guard let dtype = SafeTensorsDType(rawValue: dtypeName) else {
                throw fail("tensor \(quoted: name) has dtype \(dtypeName); tablm reads F32, F16, BF16 and F64")
            }
            guard let shape = Self.integers(info["shape"]), shape.allSatisfy({ $0 >= 0 }) else {
                throw fail("tensor \(quoted: name) has no valid shape")
            }
            guard let offsets = Self.integers(info["data_offsets"]), offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw fail("tensor \(quoted: name) has no valid data_offsets")
            }
            let (elements, overflow) = shape.reduce((1, false)) { partial, dimension in
                let (product, over) = partial.0.multipliedReportingOverflow(by: dimension)
                return (product, partial.1 || over)
            }
            let (byteCount, overflow2) = elements.multipliedReportingOverflow(by: dtype.size)
            guard !overflow, !overflow2, byteCount == offsets[1] - offsets[0] else {
                throw fail("tensor \(quoted: name): shape \(shape) of \(dtypeName) needs \(overflow ? "too many" : String(byteCount)) bytes, data_offsets give \(offsets[1] - offsets[0])")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, range: offsets[0]..<offsets[1]))
        }
        entries.sort { ($0.range.lowerBound, $0.range.upperBound) < ($1.range.lowerBound, $1.range.upperBound) }
        // The data must be indexed entirely, without holes or overlaps.
        var cursor = 0
        for entry in entries {
            guard entry.range.lowerBound == cursor else {
                throw fail(entry.range.lowerBound < cursor ? "tensor \(quoted: entry.name) overlaps the one before it"
                                                           : "a hole of \(entry.range.lowerBound - cursor) bytes before tensor \(quoted: entry.name)")
            }
            cursor = entry.range.upperBound
        }
        dataStart = 8 + Int(length)
        guard cursor == bytes.count - dataStart else {
            throw fail(cursor > bytes.count - dataStart ? "the tensors need \(cursor) bytes of data, the file has \(bytes.count - dataStart) (truncated?)"
                                                        : "\(bytes.count - dataStart - cursor) bytes after the last tensor")
        }
        self.metadata = metadata
        self.entries = entries
    }

    private static func integers(_ value: Any?) -> [Int]? {
        guard let array = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in array {
            guard let number = item as? NSNumber, let exact = Int(exactly: number.doubleValue) else { return nil }
            result.append(exact)
        }
        return result
    }

    public func entry(_ name: String) -> Entry? { entries.first { $0.name == name } }

    /// Converts a tensor's elements to S and writes them to `destination` (count elements).
    public func read<S: ModelScalar>(_ entry: Entry, into destination: UnsafeMutablePointer<S>) {
        let base = mapping.bytes.baseAddress! + dataStart + entry.range.lowerBound
        switch entry.dtype {
        case .f32:
            for i in 0..<entry.count { destination[i] = S(Float(bitPattern: base.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self).littleEndian)) }
        case .f64:
            for i in 0..<entry.count { destination[i] = S(Double(bitPattern: base.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self).littleEndian)) }
        case .f16:
            for i in 0..<entry.count {
                destination[i] = S(HalfPrecision.float(fromHalf: base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian))
            }
        case .bf16:
            // bfloat16 is the top half of an IEEE float32.
            for i in 0..<entry.count {
                destination[i] = S(Float(bitPattern: UInt32(base.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self).littleEndian) << 16))
            }
        }
    }

    /// Writes F32 tensors with metadata, atomically. The header is padded with spaces to a multiple of
    /// 8 bytes, as the reference writer does, so the data is aligned for memory mapping.
    public static func write(_ tensors: [(name: String, shape: [Int], values: UnsafeBufferPointer<Float>)],
                             metadata: [String: String], to path: String) throws {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var offset = 0
        for tensor in tensors {
            precondition(tensor.shape.reduce(1, *) == tensor.values.count, "shape of \(tensor.name) does not match its values")
            header[tensor.name] = ["dtype": "F32", "shape": tensor.shape, "data_offsets": [offset, offset + 4 * tensor.values.count]] as [String: Any]
            offset += 4 * tensor.values.count
        }
        var json = Array(try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys]))
        while (8 + json.count) % 8 != 0 { json.append(UInt8(ascii: " ")) }
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes: (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) })
        try writer.write(bytes: json)
        for tensor in tensors {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(min(tensor.values.count, 1 << 16) * 4)
            for value in tensor.values {
                let bits = value.bitPattern.littleEndian
                chunk.append(contentsOf: [UInt8(truncatingIfNeeded: bits), UInt8(truncatingIfNeeded: bits >> 8),
                                          UInt8(truncatingIfNeeded: bits >> 16), UInt8(truncatingIfNeeded: bits >> 24)])
                if chunk.count >= 1 << 18 {
                    try writer.write(bytes: chunk)
                    chunk.removeAll(keepingCapacity: true)
                }
            }
            try writer.write(bytes: chunk)
        }
        try writer.commit()
    }
}

/// IEEE 754 binary16 → binary32, exact (every half value is a float value).
public enum HalfPrecision {
    public static func float(fromHalf bits: UInt16) -> Float {
        let sign = UInt32(bits >> 15) << 31
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: mantissa · 2^-24.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (mantissa << 13))
    }
}
