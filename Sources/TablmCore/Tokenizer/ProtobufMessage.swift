/// A protobuf message as its list of fields, enough to read and edit a SentencePiece ModelProto
/// without generated code. Wire format per https://protobuf.dev/programming-guides/encoding/:
/// each field is a varint key `(number << 3) | wireType` followed by a varint (type 0), 8 bytes
/// (type 1), a varint length and that many bytes (type 2), or 4 bytes (type 5). Unknown fields are
/// kept as they are, so an edited message loses nothing.
struct ProtobufMessage: Equatable {
    enum Value: Equatable {
        case varint(UInt64)
        case fixed64(UInt64)
        case bytes([UInt8])
        case fixed32(UInt32)
    }

    struct Field: Equatable {
        var number: Int
        var value: Value
    }

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    var fields: [Field] = []

    init(fields: [Field] = []) { self.fields = fields }

    init(bytes: some Collection<UInt8>) throws {
        let bytes = Array(bytes)
        var offset = 0
        func varint() throws -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard offset < bytes.count else { throw DecodeError(description: "truncated varint") }
                guard shift < 64 else { throw DecodeError(description: "varint longer than 10 bytes") }
                let byte = bytes[offset]
                offset += 1
                result |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
            }
        }
        func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - offset else { throw DecodeError(description: "truncated field") }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }
        while offset < bytes.count {
            let key = try varint()
            let number = Int(key >> 3)
            guard number > 0 else { throw DecodeError(description: "field number 0") }
            switch key & 7 {
            case 0: fields.append(Field(number: number, value: .varint(try varint())))
            case 1: fields.append(Field(number: number, value: .fixed64(try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) })))
            case 2:
                let length = try varint()
                guard length <= UInt64(bytes.count) else { throw DecodeError(description: "length beyond the end") }
                fields.append(Field(number: number, value: .bytes(Array(try take(Int(length))))))
            case 5: fields.append(Field(number: number, value: .fixed32(try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) })))
            default: throw DecodeError(description: "unsupported wire type \(key & 7)")
            }
        }
    }

    func serialized() -> [UInt8] {
        var out: [UInt8] = []
        func varint(_ value: UInt64) {
            var value = value
            while value >= 0x80 {
                out.append(UInt8(value & 0x7F) | 0x80)
                value >>= 7
            }
            out.append(UInt8(value))
        }
        for field in fields {
            switch field.value {
            case .varint(let value):
                varint(UInt64(field.number) << 3 | 0)
                varint(value)
            case .fixed64(let value):
                varint(UInt64(field.number) << 3 | 1)
                for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
            case .bytes(let bytes):
                varint(UInt64(field.number) << 3 | 2)
                varint(UInt64(bytes.count))
                out.append(contentsOf: bytes)
            case .fixed32(let value):
                varint(UInt64(field.number) << 3 | 5)
                for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
            }
        }
        return out
    }

    func all(_ number: Int) -> [Value] { fields.filter { $0.number == number }.map(\.value) }

    func first(_ number: Int) -> Value? { fields.first { $0.number == number }?.value }

    func string(_ number: Int) -> String? {
        guard case .bytes(let bytes)? = first(number) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func remove(_ number: Int) { fields.removeAll { $0.number == number } }

    mutating func append(_ number: Int, _ value: Value) { fields.append(Field(number: number, value: value)) }

    mutating func append(_ number: Int, string: String) { append(number, .bytes(Array(string.utf8))) }
}
