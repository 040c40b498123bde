/// Scratch memory handed out in request order and taken back all at once, as llm.c carves its
/// activations: DP-SGD's per-example pass asks for the same buffers every micro-batch, so after the
/// first one a step allocates (and page-faults) nothing. Contents are not cleared between uses.
final class ScratchArena<S: ModelScalar> {
    private var block: UnsafeMutableBufferPointer<S>
    /// Requests that did not fit in `block` this round; merged into a larger block at `reset()`.
    private var overflow: [UnsafeMutableBufferPointer<S>] = []
    private var used = 0
    private var demand = 0

    init(capacity: Int = 0) {
        block = .allocate(capacity: capacity)
        block.initialize(repeating: 0)
    }

    deinit {
        block.deallocate()
        overflow.forEach { $0.deallocate() }
    }

    /// `count` elements that stay valid until `reset()`.
    func take(_ count: Int) -> UnsafeMutablePointer<S> {
        demand += count
        if used + count <= block.count {
            defer { used += count }
            return block.baseAddress! + used
        }
        let extra = UnsafeMutableBufferPointer<S>.allocate(capacity: count)
        extra.initialize(repeating: 0)
        overflow.append(extra)
        return extra.baseAddress!
    }

    /// `count` zeros that stay valid until `reset()`.
    func takeZeroed(_ count: Int) -> UnsafeMutablePointer<S> {
        let buffer = take(count)
        buffer.update(repeating: 0, count: count)
        return buffer
    }

    /// Takes every buffer back; the next round's requests fit in one block.
    func reset() {
        if !overflow.isEmpty {
            overflow.forEach { $0.deallocate() }
            overflow = []
            block.deallocate()
            block = .allocate(capacity: demand)
            block.initialize(repeating: 0)
        }
        used = 0
        demand = 0
    }
}
