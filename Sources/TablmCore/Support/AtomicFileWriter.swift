import Foundation

/// Writes a file so that readers see either the old file or the complete new one, never a half.
///
/// Bytes go to a hidden temporary file beside the destination (same file system, so `rename(2)` is
/// atomic); `commit()` renames it into place. If the writer is dropped without `commit()`, because an
/// error was thrown half-way, the temporary file is removed and the destination is untouched; if the
/// process is interrupted, `InterruptCleanup` removes it.
public final class AtomicFileWriter {
    public let destination: URL
    public let temporary: URL
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var finished = false
    private let cleanupToken: Int
    private static let flushThreshold = 1 << 16

    public init(path: String) throws {
        destination = URL(fileURLWithPath: path)
        let directory = destination.deletingLastPathComponent()
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory),
              isDirectory.boolValue
        else {
            throw InputError("output folder does not exist", at: SourceLocation(file: directory.path))
        }
        // rename(2) would replace a link, a device node or a FIFO by a regular file.
        var existing = stat()
        if lstat(path, &existing) == 0, existing.st_mode & S_IFMT != S_IFREG {
            throw InputError("not a regular file; tablm replaces only regular files", at: SourceLocation(file: path))
        }
        let name = ".\(destination.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tablm-tmp"
        temporary = directory.appendingPathComponent(name)
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw InputError("cannot create a file in this folder", at: SourceLocation(file: directory.path))
        }
        cleanupToken = InterruptCleanup.register(temporary)
        do {
            handle = try FileHandle(forWritingTo: temporary)
        } catch {
            InterruptCleanup.forget(cleanupToken)
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot open a file in this folder for writing", at: SourceLocation(file: directory.path))
        }
    }

    public func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    public func write(bytes: some Sequence<UInt8>) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.flushThreshold { try flush() }
    }

    private func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Flushes, syncs and renames the temporary file onto the destination.
    public func commit() throws {
        precondition(!finished, "AtomicFileWriter committed twice")
        try flush()
        try handle.synchronize()
        try handle.close()
        finished = true
        defer { InterruptCleanup.forget(cleanupToken) }
        // A replaced file keeps its permissions (a new one gets the umask's).
        var existing = stat()
        if lstat(destination.path, &existing) == 0 {
            guard existing.st_mode & S_IFMT == S_IFREG else {
                try? FileManager.default.removeItem(at: temporary)
                throw InputError("not a regular file; tablm replaces only regular files", at: SourceLocation(file: destination.path))
            }
            chmod(temporary.path, existing.st_mode & 0o7777)
        }
        guard rename(temporary.path, destination.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw InputError("cannot write: \(reason)", at: SourceLocation(file: destination.path))
        }
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(at: temporary)
            InterruptCleanup.forget(cleanupToken)
        }
    }
}

extension AtomicFileWriter {
    /// Writes `data` to `path` atomically in one go.
    public static func write(_ data: Data, to path: String) throws {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(bytes: data)
        try writer.commit()
    }
}
