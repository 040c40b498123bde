/// DP-SGD's noise over the flat gradient buffer, drawn on all cores: the buffer is cut into one
/// contiguous slice per stream, and each slice gets N(0, sd²) from its own ChaCha20 stream
/// (`ChaCha20Generator.split`), so the draws stay cryptographically secure and independent.
struct GaussianNoise {
    private var samplers: [GaussianSampler<ChaCha20Generator>]

    init(generator: inout ChaCha20Generator, streams: Int) {
        samplers = (0..<max(streams, 1)).map { _ in GaussianSampler(generator: generator.split()) }
    }

    /// gradients[i] ← (gradients[i] + N(0, sd²)) · scale, in double precision.
    mutating func add(to gradients: UnsafeMutableBufferPointer<Float>, standardDeviation: Double, scale: Double) {
        let n = gradients.count, parts = samplers.count, slice = (n + parts - 1) / parts
        samplers.withUnsafeMutableBufferPointer { samplers in
            Parallel.forEach(parts) { part in
                for i in (part * slice)..<min(n, (part + 1) * slice) {
                    gradients[i] = Float((Double(gradients[i]) + standardDeviation * samplers[part].next()) * scale)
                }
            }
        }
    }
}
