/// A finite-state restriction on which tokens may come next, in the spirit of a logits processor:
/// the decoder asks for the allowed tokens of the current state, samples among them only, and
/// advances the state with the token it chose.
public protocol TokenConstraint {
    associatedtype State
    func start() -> State
    /// Writes the ids allowed in `state` to `allowed` (replacing its contents).
    func allowedTokens(_ state: State, into allowed: inout [Int32])
    func advance(_ state: inout State, with token: Int32)
    func isFinished(_ state: State) -> Bool
}

/// A trie over token sequences (category values, column names), each sequence tagged with an index.
struct TokenTrie: Sendable {
    struct Node: Sendable {
        var children: [Int32: Int] = [:]
        var childTokens: [Int32] = []
        /// Index of the sequence that ends here, if one does.
        var terminal: Int?
    }

    private(set) var nodes = [Node()]
    /// For each node, the indices of the sequences below it (precomputed: a decoding step only looks up).
    private(set) var below: [[Int]] = []
    /// Token count of each sequence, by index.
    private(set) var lengths: [Int: Int] = [:]

    /// The longest sequence's token count (0 for an empty trie).
    var longestSequence: Int { lengths.values.max() ?? 0 }

    init(_ sequences: [(tokens: [Int32], index: Int)]) {
        for (tokens, index) in sequences {
            var node = 0
            for token in tokens {
                if let next = nodes[node].children[token] {
                    node = next
                } else {
                    nodes.append(Node())
                    nodes[node].children[token] = nodes.count - 1
                    nodes[node].childTokens.append(token)
                    node = nodes.count - 1
                }
            }
            nodes[node].terminal = index
            lengths[index] = tokens.count
        }
        below = [[Int]](repeating: [], count: nodes.count)
        // Children are created after their parents, so a reverse sweep sees every child first.
        for node in nodes.indices.reversed() {
            var indices = nodes[node].terminal.map { [$0] } ?? []
            for child in nodes[node].children.values { indices += below[child] }
            below[node] = indices
        }
    }

    /// Indices of the sequences below `node` (for name tries: which columns a partial name can still be).
    func indices(below node: Int) -> [Int] { below[node] }
}
