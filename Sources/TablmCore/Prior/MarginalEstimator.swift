/// Fits a `GraphicalModel` to noisy marginals: minimises L(μ) = Σ_m ‖μ_m − y_m‖² / 2σ_m² over the
/// distributions that factorise on the measurements' junction tree, by mirror descent on the
/// log-potentials with an Armijo line search (McKenna, Sheldon & Miklau 2019, "Graphical-model based
/// estimation and inference for differential privacy", Algorithm 1; Private-PGM's `estimation.py`).
/// With noise-free measurements of a distribution that factorises on the tree, the minimum is that
/// distribution, and the fitted marginals equal the measured ones.
public struct MarginalEstimator: Sendable {
    public var iterations: Int

    public init(iterations: Int = 200) { self.iterations = iterations }

    /// The total number of rows the measurements imply: the mean of each measurement's sum, weighted
    /// by the inverse of its variance (cells · σ²).
    public static func total(of measurements: [MarginalMeasurement]) -> Double {
        var weighted = 0.0, weights = 0.0
        for m in measurements {
            let weight = 1 / (Double(m.noisy.count) * m.sigma * m.sigma)
            weighted += weight * m.noisy.reduce(0, +)
            weights += weight
        }
        return max(weighted / weights, 1)
    }

    /// The model over `tree` that fits `measurements`, starting from `start` (a previous fit's
    /// potentials carried onto this tree) or the uniform distribution.
    public func estimate(_ measurements: [MarginalMeasurement], tree: JunctionTree, total: Double,
                         start: [Factor]? = nil) -> (model: GraphicalModel, loss: Double) {
        // Each measurement lives in one clique; its map projects the clique onto it.
        let placed = measurements.map { m -> (clique: Int, map: [Int32]) in
            let clique = tree.clique(containing: m.attributes)!
            return (clique, Factor.indexMap(attributes: tree.cliques[clique], sizes: tree.cliques[clique].map { tree.domain[$0] },
                                            subset: m.attributes))
        }
        func lossAndGradient(_ marginals: [Factor]) -> (Double, [Factor]) {
            var loss = 0.0
            var gradient = marginals.map { Factor(attributes: $0.attributes, sizes: $0.sizes, values: [Double](repeating: 0, count: $0.count)) }
            for (m, place) in zip(measurements, placed) {
                var projected = marginals[place.clique].sum(to: m.attributes, map: place.map)
                let weight = 1 / (m.sigma * m.sigma)
                for i in projected.values.indices {
                    let difference = projected.values[i] - m.noisy[i]
                    loss += 0.5 * weight * difference * difference
                    projected.values[i] = weight * difference
                }
                gradient[place.clique].add(projected, map: place.map)
            }
            return (loss, gradient)
        }
        var model = GraphicalModel(tree: tree, potentials: start ?? tree.cliques.map { Factor(attributes: $0, domain: tree.domain) }, total: total)
        var (loss, gradient) = lossAndGradient(model.marginals)
        var step = 1 / (total * total)
        for _ in 0..<iterations {
            let (theta, mu) = (model.potentials, model.marginals)
            step *= 2
            var accepted = false
            for _ in 0..<25 {
                var next = theta
                for c in next.indices {
                    next[c].values.withUnsafeMutableBufferPointer { values in
                        gradient[c].values.withUnsafeBufferPointer { g in
                            for i in values.indices { values[i] -= step * g[i] }
                        }
                    }
                }
                model.setPotentials(next)
                let (nextLoss, nextGradient) = lossAndGradient(model.marginals)
                var decrease = 0.0
                for c in mu.indices { for i in mu[c].values.indices { decrease += gradient[c].values[i] * (mu[c].values[i] - model.marginals[c].values[i]) } }
                if loss - nextLoss >= 0.5 * step * decrease {
                    (loss, gradient) = (nextLoss, nextGradient)
                    accepted = true
                    break
                }
                step *= 0.5
            }
            if !accepted {
                model.setPotentials(theta)
                break
            }
        }
        return (model, loss)
    }

    /// Potentials of `previous` carried onto a new tree: each old clique's potential is added to a new
    /// clique that holds it (a warm start for the next round; an old clique that no new one holds is
    /// dropped and its information re-learnt from the measurements).
    public static func carry(_ previous: GraphicalModel, to tree: JunctionTree) -> [Factor] {
        var potentials = tree.cliques.map { Factor(attributes: $0, domain: tree.domain) }
        for old in previous.potentials {
            guard let clique = tree.clique(containing: old.attributes) else { continue }
            potentials[clique].add(old, map: potentials[clique].indexMap(to: old.attributes))
        }
        return potentials
    }
}
