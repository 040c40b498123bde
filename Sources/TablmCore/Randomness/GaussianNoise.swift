/// DP-SGD's noise over the flat gradient buffer, drawn on all cores: the buffer is cut into one
/// contiguous slice per stream, and each slice gets N(0, sd²) from its own ChaCha20 stream
/// (`ChaCha20Generator.split`), so the draws stay cryptographically secure and independent.
struct GaussianNoise {
    private var streams: [ChaCha20Generator]
    private let ziggurat = NormalZiggurat()

    init(generator: inout ChaCha20Generator, streams count: Int) {
        streams = (0..<max(count, 1)).map { _ in generator.split() }
    }

    /// gradients[i] ← (gradients[i] + N(0, sd²)) · scale, in double precision. The normals are exact
    /// ziggurat draws (`NormalZiggurat`), one 64-bit word each almost always; the words are drawn a
    /// chunk at a time (`ChaCha20Generator.fill`).
    mutating func add(to gradients: UnsafeMutableBufferPointer<Float>, standardDeviation: Double, scale: Double) {
        let n = gradients.count, parts = streams.count, slice = (n + parts - 1) / parts
        let chunk = 4096
        ziggurat.withTables { tables in
            streams.withUnsafeMutableBufferPointer { streams in
                Parallel.forEach(parts) { part in
                    let words = UnsafeMutableBufferPointer<UInt64>.allocate(capacity: chunk)
                    let normals = UnsafeMutableBufferPointer<Double>.allocate(capacity: chunk)
                    defer { words.deallocate(); normals.deallocate() }
                    var used = chunk
                    func word() -> UInt64 {
                        if used == chunk { streams[part].fill(words); used = 0 }
                        defer { used += 1 }
                        return words[used]
                    }
                    // Draws first, then one element-wise pass the compiler vectorises.
                    var j = part * slice
                    let end = min(n, (part + 1) * slice)
                    while j < end {
                        let count = min(chunk, end - j)
                        for i in 0..<count { normals[i] = tables.sample(word) }
                        let target = gradients.baseAddress! + j
                        for i in 0..<count { target[i] = Float((Double(target[i]) + standardDeviation * normals[i]) * scale) }
                        j += count
                    }
                }
            }
        }
    }
}
