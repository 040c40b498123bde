import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file: checkpoint tensors are read in place, not copied into
/// a Data first.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?

    init(path: String) throws {
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw InputError(FileManager.default.fileExists(atPath: path) ? "cannot open file" : "no such file",
                             at: SourceLocation(file: path))
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else {
            throw InputError("not a regular file", at: SourceLocation(file: path))
        }
        let size = Int(status.st_size)
        if size == 0 {
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0), mapped != MAP_FAILED else {
            throw InputError("cannot map file into memory", at: SourceLocation(file: path))
        }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    deinit {
        if let base { munmap(base, bytes.count) }
    }
}
