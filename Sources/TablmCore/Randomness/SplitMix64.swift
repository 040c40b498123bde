/// A small, fast, seeded generator (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number
/// generators"). For reproducible data handling only (column orders, shuffles in tests); never for
/// privacy noise, which needs a cryptographically secure source.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// A generator for stream `index` of `seed`: independent-looking streams for rows processed in any order.
    public init(seed: UInt64, stream index: UInt64) {
        var mixer = SplitMix64(seed: seed ^ (index &* 0x9E37_79B9_7F4A_7C15))
        state = mixer.next()
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
