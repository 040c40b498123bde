import Foundation

/// How tablm opens a user's file: only what a file can be (a regular file, or a FIFO for a stream),
/// and a whole-file read bounded before it starts. A device such as `/dev/zero` would otherwise be
/// read forever, memory growing until the system kills the process.
public enum InputFile {
    /// Checks `path` names something readable as a file: a regular file, or (when `stream`) a FIFO.
    /// - Returns: the file's size in bytes (nil for a FIFO).
    @discardableResult
    public static func check(_ path: String, stream: Bool = false) throws -> Int? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw InputError(errno == ENOENT ? "no such file" : "cannot read file (\(String(cString: strerror(errno))))", at: SourceLocation(file: path))
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG: return Int(status.st_size)
        case S_IFDIR: throw InputError("is a folder, not a file", at: SourceLocation(file: path))
        case S_IFIFO where stream: return nil
        default: throw InputError("is a device, FIFO or socket, not a file", at: SourceLocation(file: path))
        }
    }

    /// The bytes of a regular file of at most `limit` bytes (`what` names the kind in the message).
    public static func contents(_ path: String, what: String, limit: Int) throws -> Data {
        let size = try check(path) ?? 0
        guard size <= limit else {
            throw InputError("\(size) bytes is too large for \(what) (at most \(limit))", at: SourceLocation(file: path))
        }
        guard let data = FileManager.default.contents(atPath: path), data.count <= limit else {
            throw InputError("cannot read \(what)", at: SourceLocation(file: path))
        }
        return data
    }

    /// The bytes of a FIFO, read to its end: at most `limit` bytes, refused past it before more is held.
    public static func streamContents(_ path: String, what: String, limit: Int) throws -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError("cannot open \(what)", at: SourceLocation(file: path))
        }
        defer { try? handle.close() }
        var data = Data()
        while true {
            let chunk = handle.readData(ofLength: 1 << 20)
            if chunk.isEmpty { return data }
            guard data.count + chunk.count <= limit else {
                throw InputError("more than \(limit) bytes is too large for \(what) read from a stream", at: SourceLocation(file: path))
            }
            data.append(chunk)
        }
    }

    /// The bound for a table read whole from a stream (a FIFO, as the Python package passes a
    /// DataFrame without writing it to disk): 4 GiB.
    public static let streamedTableLimit = 1 << 32

    /// The bound for the small files tablm reads whole: schemas, records, configs, templates, tokenizers.
    public static let smallFileLimit = 1 << 26
}
