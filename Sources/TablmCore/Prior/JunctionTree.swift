/// The junction tree of a set of measured cliques (Koller & Friedman 2009, Ch. 10): the graph that joins
/// the attributes of each clique is triangulated by greedy elimination (each step removes the attribute
/// whose neighbourhood has the fewest cells and joins its neighbours), the eliminated neighbourhoods that
/// are maximal become the tree's cliques, and a maximum spanning tree on the sizes of their intersections
/// joins them with the running-intersection property. Every measured clique lies inside one of its
/// cliques, so a distribution that factorises over them can match every measurement.
public struct JunctionTree: Sendable {
    public struct Edge: Sendable {
        public let a: Int, b: Int
        public let separator: [Int]
    }

    public let domain: [Int]
    /// Maximal cliques, attributes ascending.
    public let cliques: [[Int]]
    public let edges: [Edge]
    /// For each clique, its (neighbour, edge index) pairs.
    public let neighbours: [[(clique: Int, edge: Int)]]

    /// Cells of all cliques: the model's size.
    public var cellCount: Int {
        cliques.reduce(0) { total, clique in
            let (sum, overflow) = total.addingReportingOverflow(Self.cells(of: clique, domain: domain))
            return overflow ? .max : sum
        }
    }

    /// Cells of a clique over `attributes`, saturating at Int.max: fine bins on many columns make
    /// candidate cliques whose product overflows, and AIM's size filter must reject them, not trap.
    static func cells(of attributes: some Sequence<Int>, domain: [Int], times start: Int = 1) -> Int {
        attributes.reduce(start) { product, a in
            let (result, overflow) = product.multipliedReportingOverflow(by: domain[a])
            return overflow ? .max : result
        }
    }

    /// The tree over `measured` cliques (every attribute of the domain is included, alone if need be).
    public init(domain: [Int], measured: [[Int]]) {
        self.domain = domain
        let n = domain.count
        var adjacent = [Set<Int>](repeating: [], count: n)
        for clique in measured {
            for a in clique { for b in clique where a != b { adjacent[a].insert(b) } }
        }
        // Greedy elimination, smallest neighbourhood (in cells) first; ties by index.
        var remaining = Set(0..<n)
        var eliminated: [Set<Int>] = []
        while !remaining.isEmpty {
            let v = remaining.min { x, y in
                let cx = Self.cells(of: adjacent[x], domain: domain, times: domain[x]), cy = Self.cells(of: adjacent[y], domain: domain, times: domain[y])
                return cx != cy ? cx < cy : x < y
            }!
            let neighbourhood = adjacent[v]
            eliminated.append(neighbourhood.union([v]))
            for a in neighbourhood {
                adjacent[a].remove(v)
                for b in neighbourhood where a != b { adjacent[a].insert(b) }
            }
            remaining.remove(v)
        }
        // Maximal ones only, in elimination order.
        var maximal: [Set<Int>] = []
        for clique in eliminated where !eliminated.contains(where: { $0 != clique && $0.isSuperset(of: clique) }) && !maximal.contains(clique) {
            maximal.append(clique)
        }
        cliques = maximal.map { $0.sorted() }
        // Kruskal: the largest intersections first; empty separators join the components into one tree.
        var candidates: [(a: Int, b: Int, shared: [Int])] = []
        for a in cliques.indices { for b in (a + 1)..<cliques.count { candidates.append((a, b, Set(cliques[a]).intersection(cliques[b]).sorted())) } }
        candidates.sort { $0.shared.count != $1.shared.count ? $0.shared.count > $1.shared.count : ($0.a, $0.b) < ($1.a, $1.b) }
        var component = Array(cliques.indices)
        func root(_ x: Int) -> Int {
            var x = x
            while component[x] != x { component[x] = component[component[x]]; x = component[x] }
            return x
        }
        var edges: [Edge] = []
        var neighbours = [[(clique: Int, edge: Int)]](repeating: [], count: cliques.count)
        for candidate in candidates where edges.count < cliques.count - 1 {
            let (ra, rb) = (root(candidate.a), root(candidate.b))
            guard ra != rb else { continue }
            component[ra] = rb
            neighbours[candidate.a].append((candidate.b, edges.count))
            neighbours[candidate.b].append((candidate.a, edges.count))
            edges.append(Edge(a: candidate.a, b: candidate.b, separator: candidate.shared))
        }
        self.edges = edges
        self.neighbours = neighbours
    }

    /// The first clique holding every attribute of `attributes`.
    public func clique(containing attributes: [Int]) -> Int? {
        cliques.firstIndex { clique in attributes.allSatisfy(clique.contains) }
    }

    /// Cliques in breadth-first order from clique 0, with each one's parent (and the edge to it).
    public var breadthFirst: [(clique: Int, parent: Int?, edge: Int?)] {
        guard !cliques.isEmpty else { return [] }
        var order: [(clique: Int, parent: Int?, edge: Int?)] = [(0, nil, nil)]
        var seen = Set([0])
        var head = 0
        while head < order.count {
            let node = order[head].clique
            head += 1
            for (next, edge) in neighbours[node] where !seen.contains(next) {
                seen.insert(next)
                order.append((next, node, edge))
            }
        }
        return order
    }

    /// Cells the tree would have with one more measured clique (AIM's model-size filter).
    public static func cellCount(domain: [Int], measured: [[Int]]) -> Int {
        JunctionTree(domain: domain, measured: measured).cellCount
    }
}
