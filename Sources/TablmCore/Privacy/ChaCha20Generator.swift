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

    @inline(__always)
    private static func rotate(_ x: SIMD8<UInt32>, _ n: UInt32) -> SIMD8<UInt32> { (x &<< n) | (x &>> (32 - n)) }

    @inline(__always)
    private static func quarter(_ a: inout SIMD8<UInt32>, _ b: inout SIMD8<UInt32>, _ c: inout SIMD8<UInt32>, _ d: inout SIMD8<UInt32>) {
        a &+= b; d ^= a; d = rotate(d, 16)
        c &+= d; b ^= c; b = rotate(b, 12)
        a &+= b; d ^= a; d = rotate(d, 8)
        c &+= d; b ^= c; b = rotate(b, 7)
    }

    /// Fills `words` with exactly the numbers `next()` would return, eight blocks at a time: lane j
    /// of each SIMD8 holds the same state word of block counter + j, so the rounds are plain vector
    /// arithmetic with no shuffles (the layout of Bernstein's vectorised implementations).
    public mutating func fill(_ words: UnsafeMutableBufferPointer<UInt64>) {
        var position = 0
        while position < words.count && index < 15 { words[position] = next(); position += 1 }
        let lanes = SIMD8<UInt32>(0, 1, 2, 3, 4, 5, 6, 7)
        while words.count - position >= 64 && state[12] <= UInt32.max - 8 {
            let s = state
            var x0 = SIMD8(repeating: s[0]), x1 = SIMD8(repeating: s[1]), x2 = SIMD8(repeating: s[2]), x3 = SIMD8(repeating: s[3])
            var x4 = SIMD8(repeating: s[4]), x5 = SIMD8(repeating: s[5]), x6 = SIMD8(repeating: s[6]), x7 = SIMD8(repeating: s[7])
            var x8 = SIMD8(repeating: s[8]), x9 = SIMD8(repeating: s[9]), x10 = SIMD8(repeating: s[10]), x11 = SIMD8(repeating: s[11])
            var x12 = SIMD8(repeating: s[12]) &+ lanes, x13 = SIMD8(repeating: s[13])
            var x14 = SIMD8(repeating: s[14]), x15 = SIMD8(repeating: s[15])
            let counters = x12
            for _ in 0..<10 {
                Self.quarter(&x0, &x4, &x8, &x12); Self.quarter(&x1, &x5, &x9, &x13)
                Self.quarter(&x2, &x6, &x10, &x14); Self.quarter(&x3, &x7, &x11, &x15)
                Self.quarter(&x0, &x5, &x10, &x15); Self.quarter(&x1, &x6, &x11, &x12)
                Self.quarter(&x2, &x7, &x8, &x13); Self.quarter(&x3, &x4, &x9, &x14)
            }
            x0 &+= SIMD8(repeating: s[0]); x1 &+= SIMD8(repeating: s[1]); x2 &+= SIMD8(repeating: s[2]); x3 &+= SIMD8(repeating: s[3])
            x4 &+= SIMD8(repeating: s[4]); x5 &+= SIMD8(repeating: s[5]); x6 &+= SIMD8(repeating: s[6]); x7 &+= SIMD8(repeating: s[7])
            x8 &+= SIMD8(repeating: s[8]); x9 &+= SIMD8(repeating: s[9]); x10 &+= SIMD8(repeating: s[10]); x11 &+= SIMD8(repeating: s[11])
            x12 &+= counters; x13 &+= SIMD8(repeating: s[13]); x14 &+= SIMD8(repeating: s[14]); x15 &+= SIMD8(repeating: s[15])
            // Block j's k-th number is its words 2k and 2k + 1, as next() pairs them.
            func emit(_ low: SIMD8<UInt32>, _ high: SIMD8<UInt32>, _ k: Int) {
                for block in 0..<8 { words[position + block * 8 + k] = UInt64(low[block]) | UInt64(high[block]) << 32 }
            }
            emit(x0, x1, 0); emit(x2, x3, 1); emit(x4, x5, 2); emit(x6, x7, 3)
            emit(x8, x9, 4); emit(x10, x11, 5); emit(x12, x13, 6); emit(x14, x15, 7)
            position += 64
            state[12] &+= 8
        }
        while position < words.count { words[position] = next(); position += 1 }
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

/// Gaussian samples N(0, 1) by the Box–Muller transform on 53-bit uniforms.
public struct GaussianSampler<G: RandomNumberGenerator> {
    public var generator: G
    private var spare: Double?

    public init(generator: G) { self.generator = generator }

    public mutating func next() -> Double {
        if let value = spare {
            spare = nil
            return value
        }
        let u1 = Double.random(in: Double.leastNonzeroMagnitude..<1, using: &generator)
        let u2 = Double.random(in: 0..<1, using: &generator)
        let radius = (-2 * Double.log(u1)).squareRoot()
        spare = radius * Double.sin(2 * .pi * u2)
        return radius * Double.cos(2 * .pi * u2)
    }

    public mutating func uniform() -> Double { Double.random(in: 0..<1, using: &generator) }
}
