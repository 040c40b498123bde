import RealModule

/// DP-SGD's noise over the flat gradient buffer, drawn on all cores: the buffer is cut into one
/// contiguous slice per stream, and each slice gets N(0, sd²) from its own ChaCha20 stream
/// (`ChaCha20Generator.split`), so the draws stay cryptographically secure and independent.
struct GaussianNoise {
    private var streams: [ChaCha20Generator]

    init(generator: inout ChaCha20Generator, streams count: Int) {
        streams = (0..<max(count, 1)).map { _ in generator.split() }
    }

    /// gradients[i] ← (gradients[i] + N(0, sd²)) · scale, in double precision. The normals come in
    /// pairs from Marsaglia's polar method (Marsaglia & Bray 1964): a point (u, v) uniform in the unit
    /// disc, from 53-bit uniforms, gives u·f and v·f with f = √(−2 ln s / s), s = u² + v²; exact, and
    /// one logarithm per pair instead of Box–Muller's logarithm, sine and cosine. The random words
    /// are drawn a chunk at a time (`ChaCha20Generator.fill`).
    mutating func add(to gradients: UnsafeMutableBufferPointer<Float>, standardDeviation: Double, scale: Double) {
        let n = gradients.count, parts = streams.count, slice = (n + parts - 1) / parts
        let chunk = 4096, unit = 1.0 / 9007199254740992.0   // 2^-53
        streams.withUnsafeMutableBufferPointer { streams in
            Parallel.forEach(parts) { part in
                let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: chunk)
                defer { words.deallocate() }
                var used = chunk
                func uniform() -> Double {   // in [−1, 1)
                    if used == chunk { streams[part].fill(words); used = 0 }
                    defer { used += 1 }
                    return 2 * Double(words[used] >> 11) * unit - 1
                }
                var j = part * slice
                let end = min(n, (part + 1) * slice)
                while j < end {
                    let u = uniform(), v = uniform()
                    let s = u * u + v * v
                    guard s > 0 && s < 1 else { continue }
                    let factor = standardDeviation * (-2 * Double.log(s) / s).squareRoot()
                    gradients[j] = Float((Double(gradients[j]) + u * factor) * scale)
                    if j + 1 < end { gradients[j + 1] = Float((Double(gradients[j + 1]) + v * factor) * scale) }
                    j += 2
                }
            }
        }
    }
}
