import CLibCrypto
import Foundation

/// SHA-256 (FIPS 180-4), for content hashes recorded in tokenizers and checkpoints: which schema or
/// data file a model came from. Not used for anything secret. OpenSSL's digest (its assembly, about
/// 1 GB/s here), so hashing a million-row table costs a fraction of a second, not its reading time.
public struct SHA256 {
    private final class Context {
        let pointer: OpaquePointer
        init() {
            guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
                fatalError("OpenSSL: EVP_DigestInit_ex(sha256) failed")
            }
            pointer = context
        }
        deinit { EVP_MD_CTX_free(pointer) }
    }

    private var context = Context()
    private var finished = false

    public init() {}

    public mutating func update(_ bytes: some Sequence<UInt8>) {
        precondition(!finished, "SHA256: update after finalize")
        if bytes.withContiguousStorageIfAvailable({ update(raw: UnsafeRawBufferPointer($0)) }) == nil {
            let copy = Array(bytes)
            copy.withUnsafeBytes { update(raw: $0) }
        }
    }

    private func update(raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress, !raw.isEmpty else { return }
        guard EVP_DigestUpdate(context.pointer, base, raw.count) == 1 else { fatalError("OpenSSL: EVP_DigestUpdate failed") }
    }

    public mutating func finalize() -> [UInt8] {
        precondition(!finished, "SHA256: finalize twice")
        finished = true
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(context.pointer, &digest, &length) == 1, length == 32 else { fatalError("OpenSSL: EVP_DigestFinal_ex failed") }
        return digest
    }

    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        var hasher = SHA256()
        hasher.update(bytes)
        return hex(digest: hasher.finalize())
    }

    /// The hash of a file read in blocks of 1 MiB: memory stays bounded whatever its size.
    public static func hex(fileAt path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw InputError("cannot read file", at: SourceLocation(file: path)) }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let block: Data?
            do { block = try handle.read(upToCount: 1 << 20) } catch { throw InputError("cannot read file (\(error.localizedDescription))", at: SourceLocation(file: path)) }
            guard let block, !block.isEmpty else { break }
            hasher.update(block)
        }
        return hex(digest: hasher.finalize())
    }

    private static func hex(digest: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: digest.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 15)]] }, as: UTF8.self)
    }
}
