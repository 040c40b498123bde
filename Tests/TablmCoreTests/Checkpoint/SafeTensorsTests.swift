import Foundation
import TablmCore
import XCTest

final class SafeTensorsTests: XCTestCase {
    private func file(header: String, data: [UInt8], lengthOverride: UInt64? = nil) throws -> String {
        let json = Array(header.utf8)
        let length = lengthOverride ?? UInt64(json.count)
        let bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + json + data
        return try Fixtures.write(bytes, named: "t.safetensors", in: try Fixtures.scratchFolder(self))
    }

    private func refusal(header: String, data: [UInt8] = [], lengthOverride: UInt64? = nil) throws -> String {
        do {
            _ = try SafeTensorsFile(path: try file(header: header, data: data, lengthOverride: lengthOverride))
            XCTFail("accepted: \(header)")
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testWriteThenReadRoundTrip() throws {
        let path = try Fixtures.scratchFolder(self).appendingPathComponent("w.safetensors").path
        let a: [Float] = [1, -2, 3.5, .pi, 0, -0]
        let b: [Float] = [7]
        try a.withUnsafeBufferPointer { a in
            try b.withUnsafeBufferPointer { b in
                try SafeTensorsFile.write([("a", [2, 3], a), ("b", [], b)], metadata: ["k": "v"], to: path)
            }
        }
        let file = try SafeTensorsFile(path: path)
        XCTAssertEqual(file.metadata, ["k": "v"])
        XCTAssertEqual(file.entries.map(\.name), ["a", "b"])
        XCTAssertEqual(file.entries[0].shape, [2, 3])
        XCTAssertEqual(file.entries[1].shape, [])
        var out = [Float](repeating: 0, count: 6)
        out.withUnsafeMutableBufferPointer { file.read(file.entries[0], into: $0.baseAddress!) }
        XCTAssertEqual(out.map(\.bitPattern), a.map(\.bitPattern))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLength = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual((8 + headerLength) % 8, 0, "data aligned to 8 bytes")
    }

    func testEveryFormatRuleIsChecked() throws {
        let four = [UInt8](repeating: 0, count: 4)
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: [], lengthOverride: 1000)
            .contains("runs past the end"))
        XCTAssertTrue(try refusal(header: "{}", lengthOverride: 1 << 40).contains("exceeds"))
        XCTAssertTrue(try refusal(header: #"["a"]"#).contains("does not start with '{'"))
        XCTAssertTrue(try refusal(header: #"{"a": }"#).contains("not JSON"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}"#, data: four + four).contains("dtype I64"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, data: four).contains("needs 8 bytes"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, data: four).contains("no valid shape"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, data: four).contains("no valid data_offsets"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, data: four + four).contains("hole"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}"#,
                                  data: four + four).contains("overlaps"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, data: four).contains("truncated"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, data: four + four).contains("after the last tensor"))
        XCTAssertTrue(try refusal(header: #"{"__metadata__":{"k":1}}"#).contains("not a string"))
        XCTAssertTrue(try refusal(header: #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, data: four)
            .contains("too many"))
        let short = try Fixtures.write([1, 2, 3], named: "s.safetensors", in: try Fixtures.scratchFolder(self))
        XCTAssertThrowsError(try SafeTensorsFile(path: short))
        XCTAssertThrowsError(try SafeTensorsFile(path: "/nonexistent.safetensors")) { error in
            XCTAssertEqual("\(error)", "/nonexistent.safetensors: no such file")
        }
    }
}
