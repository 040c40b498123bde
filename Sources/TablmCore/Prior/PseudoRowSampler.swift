/// Draws rows from a `GraphicalModel` along its junction tree: the root clique's attributes from its
/// marginal, then each clique in breadth-first order conditioned on its separator with its parent —
/// the attributes it shares with the cliques already drawn, by the running-intersection property — so
/// every row is an exact draw from the model. (Private-PGM's sampler conditioned on the measured
/// cliques instead of the separators, which is wrong when they differ; fixed upstream in 2026.)
public enum PseudoRowSampler {
    /// `count` rows of cells (count × attributes, row-major).
    public static func sample<G: RandomNumberGenerator>(_ model: GraphicalModel, count: Int, using generator: inout G) -> DiscreteTable {
        let tree = model.tree
        let width = tree.domain.count
        var cells = [Int32](repeating: 0, count: count * width)
        for (clique, _, edge) in tree.breadthFirst {
            let marginal = model.marginals[clique]
            let separator = edge.map { tree.edges[$0].separator } ?? []
            let fresh = marginal.attributes.filter { !separator.contains($0) }
            // Clique cells grouped by separator cell: a cumulative distribution per group.
            let map = marginal.indexMap(to: separator)
            let groups = separator.reduce(1) { $0 * tree.domain[$1] }
            var members = [[Int]](repeating: [], count: groups)
            for i in 0..<marginal.count { members[Int(map[i])].append(i) }
            let cumulative = members.map { group -> [Double] in
                var running = 0.0
                return group.map { running += max(marginal.values[$0], 0); return running }
            }
            var separatorStrides = [Int](repeating: 0, count: separator.count), stride = 1
            for k in separator.indices.reversed() { separatorStrides[k] = stride; stride *= tree.domain[separator[k]] }
            var cliqueStrides = [Int](repeating: 0, count: marginal.attributes.count)
            stride = 1
            for k in marginal.attributes.indices.reversed() { cliqueStrides[k] = stride; stride *= marginal.sizes[k] }
            let freshPositions = fresh.map { marginal.attributes.firstIndex(of: $0)! }
            for row in 0..<count {
                var group = 0
                for (k, attribute) in separator.enumerated() { group += Int(cells[row * width + attribute]) * separatorStrides[k] }
                let weights = cumulative[group]
                // A separator value the model gives no mass: any cell of the group (uniform).
                let cell: Int
                if let last = weights.last, last > 0 {
                    let u = Double.random(in: 0..<last, using: &generator)
                    var low = 0, high = weights.count - 1
                    while low < high {
                        let middle = (low + high) / 2
                        if weights[middle] > u { high = middle } else { low = middle + 1 }
                    }
                    cell = members[group][low]
                } else {
                    cell = members[group][Int.random(in: 0..<members[group].count, using: &generator)]
                }
                for (position, attribute) in zip(freshPositions, fresh) {
                    cells[row * width + attribute] = Int32((cell / cliqueStrides[position]) % marginal.sizes[position])
                }
            }
        }
        return DiscreteTable(domain: tree.domain, cells: cells)
    }
}
