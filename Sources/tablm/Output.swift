import Foundation
import TablmCore

/// Logs and progress go to stderr; data goes to stdout or files.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandle.standardError.write(Data(string.utf8))
    }
}

func log(_ message: String) {
    var stream = StandardError()
    print(message, to: &stream)
}

/// Data to standard output, where a write can fail (a full disk): FileHandle's non-throwing write
/// trapped on `> /dev/full`, and what `print` buffered was lost with exit 0 (`flush: true`).
enum StandardOutput {
    static func write(_ bytes: [UInt8] = [], flush: Bool = false) throws {
        do { try FileHandle.standardOutput.write(contentsOf: Data(bytes)) } catch { throw InputError("cannot write to standard output: \(error.localizedDescription)") }
        guard !flush || fflush(nil) == 0 else { throw InputError("cannot write to standard output: \(String(cString: strerror(errno)))") }
    }
}

/// Where a command's text output goes: stdout, or a file written atomically.
final class TextOutput {
    private let file: AtomicFileWriter?
    private var buffer: [UInt8] = []

    init(path: String?) throws {
        file = try path.map { try AtomicFileWriter(path: $0) }
    }

    func writeLine(_ line: String) throws {
        if let file {
            try file.write(line)
            try file.write("\n")
            return
        }
        buffer.append(contentsOf: line.utf8)
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flushStandardOutput() }
    }

    private func flushStandardOutput() throws {
        try StandardOutput.write(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Makes the output visible: renames the file into place, or flushes stdout.
    func finish() throws {
        if let file { try file.commit() } else { try flushStandardOutput() }
    }
}
