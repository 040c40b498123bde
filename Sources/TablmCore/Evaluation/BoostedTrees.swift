import RealModule

/// Gradient-boosted decision trees for binary labels (Friedman 2001), with the second-order split
/// gain and leaf values of XGBoost (Chen & Guestrin 2016, eqs. 5–7) and histogram splits as in
/// LightGBM: features are cut into at most `bins` quantile bins once (255, LightGBM's default), so each tree level is one pass
/// over the rows. A stronger TSTR classifier than logistic regression: it sees interactions.
public struct BoostedTrees: Sendable {
    public struct Settings: Sendable {
        public var rounds = 100
        public var depth = 3
        public var learningRate = 0.1
        /// L2 penalty λ on leaf values.
        public var l2 = 1.0
        /// Smallest hessian sum a child may have (XGBoost's min_child_weight).
        public var minChildHessian = 1e-3
        public var bins = 255
        public init() {}
    }

    /// A node of a tree stored heap-style: children of k are 2k+1 and 2k+2.
    struct Node: Sendable {
        var feature = -1          // -1: leaf
        var threshold = 0.0       // left when x <= threshold
        var bin = 0               // the same split on binned features: left when bin <= this
        var value = 0.0           // leaf output (learning rate applied)
    }

    let trees: [[Node]]
    let baseScore: Double
    public let width: Int

    /// Fits on `features` [n × d] (Float halves the memory of a million rows; they are read only to
    /// cut them into bins, and the trees are grown on the bins).
    public init<F: BinaryFloatingPoint>(features: [F], labels: [Bool], width d: Int, settings: Settings = Settings()) {
        let n = labels.count
        width = d
        // Cut points per feature: midpoints between distinct values, or quantiles when there are many.
        var cuts: [[Double]] = []
        for f in 0..<d {
            var values = (0..<n).map { Double(features[$0 * d + f]) }
            values.sort()
            var distinct: [Double] = []
            for v in values where distinct.last != v { distinct.append(v) }
            if distinct.count <= settings.bins {
                cuts.append(zip(distinct, distinct.dropFirst()).map { ($0 + $1) / 2 })
            } else {
                var chosen: [Double] = []
                for b in 1..<settings.bins {
                    let v = values[n * b / settings.bins]
                    if chosen.last != v && v != values.last { chosen.append(v) }
                }
                cuts.append(chosen)
            }
        }
        // bin(x) = the first k with x <= cuts[k], else cuts.count.
        var binned = [UInt8](repeating: 0, count: n * d)
        for i in 0..<n {
            for f in 0..<d {
                let x = Double(features[i * d + f]), c = cuts[f]
                var low = 0, high = c.count
                while low < high { let m = (low + high) / 2; if x <= c[m] { high = m } else { low = m + 1 } }
                binned[i * d + f] = UInt8(low)
            }
        }
        let positives = Double(labels.filter { $0 }.count)
        let rate = min(max(positives / Double(max(n, 1)), 1e-6), 1 - 1e-6)
        baseScore = Double.log(rate / (1 - rate))
        var scores = [Double](repeating: baseScore, count: n)
        var gradient = [Double](repeating: 0, count: n), hessian = [Double](repeating: 0, count: n)
        var trees: [[Node]] = []
        let maxBins = settings.bins + 1
        for _ in 0..<settings.rounds {
            for i in 0..<n {
                let p = 1 / (1 + Double.exp(-scores[i]))
                gradient[i] = p - (labels[i] ? 1 : 0)
                hessian[i] = max(p * (1 - p), 1e-12)
            }
            var tree = [Node](repeating: Node(), count: (1 << (settings.depth + 1)) - 1)
            var nodeOf = [Int](repeating: 0, count: n)   // heap index of the node each row is in
            var open = [Bool](repeating: false, count: tree.count)
            open[0] = true
            for level in 0...settings.depth {
                let first = (1 << level) - 1, count = 1 << level
                var sums = [Double](repeating: 0, count: count * 2)
                for i in 0..<n where nodeOf[i] >= first {   // rows of nodes that did not split stay above
                    let k = nodeOf[i] - first
                    sums[2 * k] += gradient[i]
                    sums[2 * k + 1] += hessian[i]
                }
                // Leaves: every open node gets its Newton value; at the last level none splits.
                for k in 0..<count where open[first + k] {
                    tree[first + k].value = -settings.learningRate * sums[2 * k] / (sums[2 * k + 1] + settings.l2)
                }
                guard level < settings.depth else { break }
                var histogram = [Double](repeating: 0, count: count * d * maxBins * 2)
                histogram.withUnsafeMutableBufferPointer { hist in
                    binned.withUnsafeBufferPointer { bins in
                        for i in 0..<n where nodeOf[i] >= first {   // rows of nodes that did not split stay above
                            let base = (nodeOf[i] - first) * d * maxBins * 2, g = gradient[i], h = hessian[i]
                            for f in 0..<d {
                                let slot = base + (f * maxBins + Int(bins[i * d + f])) * 2
                                hist[slot] += g
                                hist[slot + 1] += h
                            }
                        }
                    }
                }
                var split = false
                for k in 0..<count where open[first + k] {
                    let g = sums[2 * k], h = sums[2 * k + 1]
                    let parentScore = g * g / (h + settings.l2)
                    var best = (gain: 1e-12, feature: -1, bin: 0)
                    for f in 0..<d where !cuts[f].isEmpty {
                        var gl = 0.0, hl = 0.0
                        for b in 0..<cuts[f].count {
                            let slot = (k * d * maxBins + f * maxBins + b) * 2
                            gl += histogram[slot]
                            hl += histogram[slot + 1]
                            let gr = g - gl, hr = h - hl
                            guard hl >= settings.minChildHessian, hr >= settings.minChildHessian else { continue }
                            let gain = gl * gl / (hl + settings.l2) + gr * gr / (hr + settings.l2) - parentScore
                            if gain > best.gain { best = (gain, f, b) }
                        }
                    }
                    guard best.feature >= 0 else { continue }
                    tree[first + k].feature = best.feature
                    tree[first + k].threshold = cuts[best.feature][best.bin]
                    tree[first + k].bin = best.bin
                    open[2 * (first + k) + 1] = true
                    open[2 * (first + k) + 2] = true
                    split = true
                }
                if !split { break }
                for i in 0..<n {
                    let node = tree[nodeOf[i]]
                    guard node.feature >= 0 else { continue }
                    nodeOf[i] = 2 * nodeOf[i] + (Int(binned[i * d + node.feature]) <= node.bin ? 1 : 2)
                }
            }
            // Each row now sits in its leaf: routing by bins is routing by thresholds (x <= cuts[b]
            // exactly when bin(x) <= b), so this is `output` without reading the features again.
            for i in 0..<n { scores[i] += tree[nodeOf[i]].value }
            trees.append(tree)
        }
        self.trees = trees
    }

    static func output<F: BinaryFloatingPoint>(_ tree: [Node], _ features: [F], offset: Int) -> Double {
        var k = 0
        while tree[k].feature >= 0 { k = 2 * k + (Double(features[offset + tree[k].feature]) <= tree[k].threshold ? 1 : 2) }
        return tree[k].value
    }

    public func probabilities<F: BinaryFloatingPoint>(_ features: [F]) -> [Double] {
        (0..<(features.count / max(width, 1))).map { i in
            let score = trees.reduce(baseScore) { $0 + Self.output($1, features, offset: i * width) }
            return 1 / (1 + Double.exp(-score))
        }
    }
}
