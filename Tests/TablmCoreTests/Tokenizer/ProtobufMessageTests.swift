@testable import TablmCore
import XCTest

final class ProtobufMessageTests: XCTestCase {
    func testEncodingGuideExamples() throws {
        // protobuf.dev encoding guide: field 1 = 150 is 08 96 01; field 2 = "testing" is 12 07 74 65 73 74 69 6e 67.
        XCTAssertEqual(try ProtobufMessage(bytes: [0x08, 0x96, 0x01]).fields, [.init(number: 1, value: .varint(150))])
        let text: [UInt8] = [0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6e, 0x67]
        let message = try ProtobufMessage(bytes: text)
        XCTAssertEqual(message.string(2), "testing")
        XCTAssertEqual(message.serialized(), text)
    }

    func testRoundTripOfEveryWireType() throws {
        var message = ProtobufMessage()
        message.append(1, .varint(UInt64.max))
        message.append(2, .fixed64(0x0102_0304_0506_0708))
        message.append(3, string: "héllo")
        message.append(4, .fixed32(Float(1.5).bitPattern))
        message.append(1000, .bytes([]))
        XCTAssertEqual(try ProtobufMessage(bytes: message.serialized()), message)
    }

    func testRejectsTruncatedAndHostileInput() {
        XCTAssertThrowsError(try ProtobufMessage(bytes: [0x08, 0x96]))              // varint cut short
        XCTAssertThrowsError(try ProtobufMessage(bytes: [0x12, 0x07, 0x74]))        // length past the end
        XCTAssertThrowsError(try ProtobufMessage(bytes: [0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]))
        XCTAssertThrowsError(try ProtobufMessage(bytes: [0x0B]))                    // wire type 3 (groups)
        XCTAssertThrowsError(try ProtobufMessage(bytes: [0x00, 0x01]))              // field number 0
    }
}
