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
        if buffer.count >= 1 << 16 { flushStandardOutput() }
    }

    private func flushStandardOutput() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    /// Makes the output visible: renames the file into place, or flushes stdout.
    func finish() throws {
        if let file { try file.commit() } else { flushStandardOutput() }
    }
}
