import Foundation

/// Streams the lines of a UTF-8 text file (LF or CRLF), numbered from 1, without loading it whole.
public final class TextLines {
    public let path: String
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private var lineNumber = 0
    /// No row's text comes near this; a longer line is not row text (or is `/dev/zero` through a FIFO).
    public static let longestLine = 1 << 24

    public init(path: String) throws {
        self.path = path
        try InputFile.check(path, stream: true)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError("cannot open file", at: SourceLocation(file: path))
        }
        self.handle = handle
        ownsHandle = true
    }

    /// Standard input, named `<stdin>` in errors: a pipe, a file or a device, bounded like a file
    /// (`< /dev/zero` is one line past `longestLine`), and left open.
    public init(standardInput: Void = ()) {
        path = "<stdin>"
        handle = FileHandle.standardInput
        ownsHandle = false
    }

    private let ownsHandle: Bool

    deinit { if ownsHandle { try? handle.close() } }

    /// The next line without its line ending, or nil at the end. A final line without LF counts.
    public func next() throws -> (number: Int, text: String)? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var end = newline
                if end > start && buffer[end - 1] == UInt8(ascii: "\r") { end -= 1 }
                let line = try decode(buffer[start..<end])
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = try decode(buffer[start...])
                start = buffer.count
                return line
            }
            buffer.removeSubrange(..<start)
            start = 0
            guard buffer.count < Self.longestLine else {
                throw InputError("a line longer than \(Self.longestLine) bytes", at: SourceLocation(file: path, line: lineNumber + 1))
            }
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }

    private func decode(_ bytes: ArraySlice<UInt8>) throws -> (number: Int, text: String) {
        lineNumber += 1
        guard let text = String(validating: bytes, as: UTF8.self) else {
            let validPrefix = (0...bytes.count).last { String(validating: bytes.prefix($0), as: UTF8.self) != nil } ?? 0
            let column = String(decoding: bytes.prefix(validPrefix), as: UTF8.self).count + 1
            throw InputError("invalid UTF-8", at: SourceLocation(file: path, line: lineNumber, column: column))
        }
        return (lineNumber, text)
    }
}
