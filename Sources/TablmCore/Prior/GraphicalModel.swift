import Foundation

/// A distribution over the discretised table that factorises over a junction tree's cliques,
/// p(x) ∝ exp Σ_C θ_C(x_C), scaled to `total` rows, with its clique marginals computed by belief
/// propagation in log space (the sum-product algorithm on the junction tree; Private-PGM's
/// `marginal_oracles.py`). Marginals over attributes that no clique holds come from variable
/// elimination along the smallest subtree that covers them.
public struct GraphicalModel: Sendable {
    public let tree: JunctionTree
    /// Log-potentials θ_C, one per clique.
    public internal(set) var potentials: [Factor]
    /// Clique marginals (counts: they sum to `total`).
    public private(set) var marginals: [Factor]
    public let total: Double
    /// Maps from each edge's two cliques to its separator: (from a, from b).
    let separatorMaps: [(a: [Int32], b: [Int32])]

    public init(tree: JunctionTree, potentials: [Factor], total: Double) {
        self.tree = tree
        self.total = total
        self.potentials = potentials
        separatorMaps = tree.edges.map { edge in
            (potentials[edge.a].indexMap(to: edge.separator), potentials[edge.b].indexMap(to: edge.separator))
        }
        marginals = []
        marginals = beliefs(potentials)
    }

    /// The uniform distribution on the tree.
    public init(tree: JunctionTree, total: Double) {
        self.init(tree: tree, potentials: tree.cliques.map { Factor(attributes: $0, domain: tree.domain) }, total: total)
    }

    /// New potentials, and the marginals they give.
    public mutating func setPotentials(_ potentials: [Factor]) {
        self.potentials = potentials
        marginals = beliefs(potentials)
    }

    func map(edge: Int, from clique: Int) -> [Int32] {
        tree.edges[edge].a == clique ? separatorMaps[edge].a : separatorMaps[edge].b
    }

    /// Clique marginals of the potentials θ: messages up the breadth-first tree, then down,
    /// m_{i→j}(s) = log Σ_{x_i ∖ s} exp(θ_i + Σ_{k ≠ j} m_{k→i}).
    public func beliefs(_ theta: [Factor]) -> [Factor] {
        let order = tree.breadthFirst
        var messages = [Factor?](repeating: nil, count: tree.edges.count * 2)   // 2e: a→b, 2e+1: b→a
        func slot(_ edge: Int, from clique: Int) -> Int { 2 * edge + (tree.edges[edge].a == clique ? 0 : 1) }
        func incoming(_ node: Int, except: Int?) -> Factor {
            var belief = theta[node]
            for (neighbour, edge) in tree.neighbours[node] where neighbour != except {
                if let message = messages[slot(edge, from: neighbour)] { belief.add(message, map: map(edge: edge, from: node)) }
            }
            return belief
        }
        for (node, parent, edge) in order.reversed() {
            guard let parent, let edge else { continue }
            let belief = incoming(node, except: parent)
            messages[slot(edge, from: node)] = belief.logSumExp(to: tree.edges[edge].separator, map: map(edge: edge, from: node))
        }
        for (node, _, _) in order {
            for (child, edge) in tree.neighbours[node] where messages[slot(edge, from: node)] == nil {
                let belief = incoming(node, except: child)
                messages[slot(edge, from: node)] = belief.logSumExp(to: tree.edges[edge].separator, map: map(edge: edge, from: node))
            }
        }
        var beliefs = tree.cliques.indices.map { incoming($0, except: nil) }
        for c in beliefs.indices {
            let top = beliefs[c].values.max() ?? 0
            let logZ = top + log(beliefs[c].values.reduce(0) { $0 + exp($1 - top) })
            let scale = log(total) - logZ
            beliefs[c].values.withUnsafeMutableBufferPointer { values in
                for i in values.indices { values[i] = exp(values[i] + scale) }
            }
        }
        return beliefs
    }

    /// The model's counts over `attributes` (ascending).
    public func project(_ attributes: [Int]) -> Factor {
        if let clique = tree.clique(containing: attributes) { return marginals[clique].sum(to: attributes) }
        // The subtree that joins one clique per attribute: root at the first; keep a node when it or a
        // descendant is needed.
        let targets = Set(attributes.map { a in tree.cliques.firstIndex { $0.contains(a) }! })
        let rootNode = targets.min()!
        var parent = [Int: (node: Int, edge: Int)]()
        var order = [rootNode], head = 0
        var seen: Set<Int> = [rootNode]
        while head < order.count {
            let node = order[head]; head += 1
            for (next, edge) in tree.neighbours[node] where !seen.contains(next) {
                seen.insert(next); parent[next] = (node, edge); order.append(next)
            }
        }
        var needed = targets
        for node in order.reversed() where needed.contains(node) { if let up = parent[node] { needed.insert(up.node) } }
        // Collect: each needed node returns P(query attributes below it | separator to its parent),
        // as a table over both.
        let query = Set(attributes)
        var conditionals: [Int: Factor] = [:]
        for node in order.reversed() where needed.contains(node) {
            let children = tree.neighbours[node].filter { needed.contains($0.clique) && parent[$0.clique]?.node == node }
            let up = parent[node].map { tree.edges[$0.edge].separator } ?? []
            var keep = Set(up).union(query.intersection(tree.cliques[node]))
            for child in children { keep.formUnion(tree.edges[child.edge].separator) }
            var table = marginals[node].sum(to: keep.sorted())
            table.values = table.values.map { $0 / total }
            for child in children {
                table = Factor.product(table, conditionals.removeValue(forKey: child.clique)!)
                // Sum out what no later child, the parent or the query needs.
                var stillNeeded = Set(up).union(query)
                for other in children where other.clique != child.clique { stillNeeded.formUnion(tree.edges[other.edge].separator) }
                let kept = table.attributes.filter(stillNeeded.contains)
                if kept.count < table.attributes.count { table = table.sum(to: kept) }
            }
            let result = table.sum(to: table.attributes.filter { query.contains($0) || up.contains($0) })
            if parent[node] == nil {
                return Factor(attributes: result.attributes, sizes: result.sizes, values: result.values.map { $0 * total })
            }
            // Divide by the separator's marginal: a conditional given the separator.
            let separator = result.sum(to: up)
            let map = result.indexMap(to: up)
            var conditional = result
            for i in conditional.values.indices {
                let mass = separator.values[Int(map[i])]
                conditional.values[i] = mass > 0 ? conditional.values[i] / mass : 0
            }
            conditionals[node] = conditional
        }
        preconditionFailure("the subtree's root returns")
    }
}
