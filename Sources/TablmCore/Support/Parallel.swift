import Dispatch

/// Runs a loop body on all cores at once: `body(i)` for i in 0..<count, concurrently.
/// Callers guarantee that different i touch disjoint memory; that is what makes handing
/// non-Sendable state to the worker threads sound here.
enum Parallel {
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        if count <= 1 {
            if count == 1 { body(0) }
            return
        }
        withoutActuallyEscaping(body) { body in
            let shared = UncheckedSendable(value: body)
            DispatchQueue.concurrentPerform(iterations: count) { shared.value($0) }
        }
    }
}

/// A value handed to worker threads under the caller's guarantee that they do not race on it.
private struct UncheckedSendable<Value>: @unchecked Sendable {
    let value: Value
}
