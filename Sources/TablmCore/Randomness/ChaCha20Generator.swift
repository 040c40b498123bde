import CLibCrypto
import RealModule

/// A cryptographically secure generator: the ChaCha20 block function (RFC 8439, Section 2.3) in
/// counter mode, keyed from the operating system's CSPRNG (getrandom via SystemRandomNumberGenerator).
/// DP-SGD's sampling and noise come from it: a predictable generator would let an observer subtract
/// the noise. A fixed key exists only for tests (`--insecure-seed`).
public struct ChaCha20Generator: RandomNumberGenerator, Sendable {
    // Held in SIMD values (on the stack, no heap traffic): the DP step draws about a million numbers.
    private var state: SIMD16<UInt32>
    private var block = SIMD16<UInt32>()
    private var index = 16

    /// Keyed from the system's CSPRNG.
    public init() {
        var system = SystemRandomNumberGenerator()
        self.init(key: (0..<8).map { _ in UInt32(truncatingIfNeeded: system.next()) }, nonce: [0, 0, 0])
    }

    /// A reproducible stream for tests; not secure.
    public init(insecureSeed seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        self.init(key: (0..<8).map { _ in UInt32(truncatingIfNeeded: mixer.next()) }, nonce: [0, 0, 0])
    }

    /// An independent generator keyed by 256 bits of this one's output: streams for other threads
    /// that are as unpredictable as this one (and reproducible under `--insecure-seed`).
    public mutating func split() -> ChaCha20Generator {
        ChaCha20Generator(key: (0..<4).flatMap { _ -> [UInt32] in
            let word = next()
            return [UInt32(truncatingIfNeeded: word), UInt32(truncatingIfNeeded: word >> 32)]
        }, nonce: [0, 0, 0])
    }

    /// Key (8 words), block counter and nonce (3 words), as RFC 8439 lays out the state.
    init(key: [UInt32], counter: UInt32 = 0, nonce: [UInt32]) {
        precondition(key.count == 8 && nonce.count == 3)
        state = SIMD16(0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574, key[0], key[1], key[2], key[3],
                       key[4], key[5], key[6], key[7], counter, nonce[0], nonce[1], nonce[2])
    }

    @inline(__always)
    private static func quarter(_ x: inout SIMD16<UInt32>, _ a: Int, _ b: Int, _ c: Int, _ d: Int) {
        x[a] &+= x[b]; x[d] ^= x[a]; x[d] = (x[d] << 16) | (x[d] >> 16)
        x[c] &+= x[d]; x[b] ^= x[c]; x[b] = (x[b] << 12) | (x[b] >> 20)
        x[a] &+= x[b]; x[d] ^= x[a]; x[d] = (x[d] << 8) | (x[d] >> 24)
        x[c] &+= x[d]; x[b] ^= x[c]; x[b] = (x[b] << 7) | (x[b] >> 25)
    }

    /// The 16 output words of the block at the current counter (RFC 8439, 2.3.1), then counter + 1.
    mutating func nextBlock() -> SIMD16<UInt32> {
        var x = state
        for _ in 0..<10 {
            Self.quarter(&x, 0, 4, 8, 12); Self.quarter(&x, 1, 5, 9, 13); Self.quarter(&x, 2, 6, 10, 14); Self.quarter(&x, 3, 7, 11, 15)
            Self.quarter(&x, 0, 5, 10, 15); Self.quarter(&x, 1, 6, 11, 12); Self.quarter(&x, 2, 7, 8, 13); Self.quarter(&x, 3, 4, 9, 14)
        }
        x &+= state
        state[12] &+= 1
        if state[12] == 0 { state[13] &+= 1 }   // extend the counter into the nonce: never repeat a block
        return x
    }

    /// Fills `words` with exactly the numbers `next()` would return. Whole blocks come from
    /// OpenSSL's ChaCha20 (`EVP_chacha20`, its vectorised assembly: about three times the speed of
    /// the Swift block function here) as the keystream over zeros; the state's key, counter and
    /// nonce are RFC 8439's, so the two agree word for word (tested).
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>) {
        var position = 0
        while position < words.count && index < 15 { words[position] = next(); position += 1 }
        // Whole blocks, never across a wrap of the 32-bit counter (next() carries it into the nonce).
        let blocks = min((words.count - position) / 8, Int(UInt32.max - state[12]))
        if blocks > 0 {
            let stream = UnsafeMutableBufferPointer(rebasing: words[position..<(position + blocks * 8)])
            stream.update(repeating: 0)
            keystream(into: UnsafeMutableRawBufferPointer(stream))
            state[12] += UInt32(blocks)
            position += blocks * 8
        }
        while position < words.count { words[position] = next(); position += 1 }
    }

    /// XORs the keystream from the current block counter on into `buffer` (a whole number of blocks).
    private func keystream(into buffer: UnsafeMutableRawBufferPointer) {
        func littleEndian(_ word: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        let key = (4..<12).flatMap { littleEndian(state[$0]) }
        let iv = (12..<16).flatMap { littleEndian(state[$0]) }   // EVP_chacha20: counter, then the 96-bit nonce
        guard let context = EVP_CIPHER_CTX_new() else { fatalError("OpenSSL: EVP_CIPHER_CTX_new failed") }
        defer { EVP_CIPHER_CTX_free(context) }
        var written: Int32 = 0
        // C's unsigned char may alias the words; the words' own type binding is left as it is.
        let bytes = buffer.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard EVP_EncryptInit_ex(context, EVP_chacha20(), nil, key, iv) == 1,
              EVP_EncryptUpdate(context, bytes, &written, bytes, Int32(buffer.count)) == 1,
              Int(written) == buffer.count
        else { fatalError("OpenSSL's ChaCha20 failed") }
    }

    public mutating func next() -> UInt64 {
        if index >= 15 {
            block = nextBlock()
            index = 0
        }
        defer { index += 2 }
        return UInt64(block[index]) | UInt64(block[index + 1]) << 32
    }
}
