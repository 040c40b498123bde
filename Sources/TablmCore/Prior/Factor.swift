/// A dense table over a few columns (`attributes`, ascending schema indices) with the last attribute
/// varying fastest: a marginal's counts, a clique's log-potential, a conditional. The operations the
/// estimator and sampler need are the index maps between a table and one over a subset of its
/// attributes (Private-PGM's `Factor`, in the form of precomputed maps rather than broadcasting).
public struct Factor: Sendable, Equatable {
    public let attributes: [Int]
    public let sizes: [Int]
    public var values: [Double]

    public init(attributes: [Int], sizes: [Int], values: [Double]) {
        precondition(attributes.count == sizes.count && values.count == sizes.reduce(1, *))
        self.attributes = attributes
        self.sizes = sizes
        self.values = values
    }

    /// All cells `value` over `attributes`, sizes from the domain.
    public init(attributes: [Int], domain: [Int], value: Double = 0) {
        let sizes = attributes.map { domain[$0] }
        self.init(attributes: attributes, sizes: sizes, values: [Double](repeating: value, count: sizes.reduce(1, *)))
    }

    public var count: Int { values.count }

    /// For each cell of a table over `attributes` (sizes `sizes`), the cell of the table over `subset`
    /// (a subset of `attributes`) that it projects to.
    public static func indexMap(attributes: [Int], sizes: [Int], subset: [Int]) -> [Int32] {
        let total = sizes.reduce(1, *)
        // Stride in the subset table of each attribute (0 when it is summed out).
        var strides = [Int](repeating: 0, count: attributes.count)
        var stride = 1
        for attribute in subset.reversed() {
            guard let position = attributes.firstIndex(of: attribute) else { preconditionFailure("\(subset) is not a subset of \(attributes)") }
            strides[position] = stride
            stride *= sizes[position]
        }
        var map = [Int32](repeating: 0, count: total)
        var digits = [Int](repeating: 0, count: attributes.count)
        var index = 0
        map.withUnsafeMutableBufferPointer { map in
            for cell in 0..<total {
                map[cell] = Int32(index)
                // Odometer: the last attribute fastest.
                var k = attributes.count - 1
                while k >= 0 {
                    digits[k] += 1
                    index += strides[k]
                    if digits[k] < sizes[k] { break }
                    index -= strides[k] * sizes[k]
                    digits[k] = 0
                    k -= 1
                }
            }
        }
        return map
    }

    /// The map from this table's cells to those of a table over `subset`.
    public func indexMap(to subset: [Int]) -> [Int32] {
        Self.indexMap(attributes: attributes, sizes: sizes, subset: subset)
    }

    /// Sizes of a subset's attributes.
    public func sizes(of subset: [Int]) -> [Int] {
        subset.map { sizes[attributes.firstIndex(of: $0)!] }
    }

    /// Σ over the attributes not in `subset`, through a precomputed map.
    public func sum(to subset: [Int], map: [Int32]) -> Factor {
        let subsetSizes = sizes(of: subset)
        var result = [Double](repeating: 0, count: subsetSizes.reduce(1, *))
        values.withUnsafeBufferPointer { values in
            map.withUnsafeBufferPointer { map in
                result.withUnsafeMutableBufferPointer { result in
                    for i in 0..<values.count { result[Int(map[i])] += values[i] }
                }
            }
        }
        return Factor(attributes: subset, sizes: subsetSizes, values: result)
    }

    public func sum(to subset: [Int]) -> Factor { sum(to: subset, map: indexMap(to: subset)) }

    /// log Σ exp over the attributes not in `subset` (values are logs), stable: max first.
    public func logSumExp(to subset: [Int], map: [Int32]) -> Factor {
        let subsetSizes = sizes(of: subset)
        let n = subsetSizes.reduce(1, *)
        var top = [Double](repeating: -.infinity, count: n)
        var result = [Double](repeating: 0, count: n)
        values.withUnsafeBufferPointer { values in
            map.withUnsafeBufferPointer { map in
                top.withUnsafeMutableBufferPointer { top in
                    for i in 0..<values.count where values[i] > top[Int(map[i])] { top[Int(map[i])] = values[i] }
                    result.withUnsafeMutableBufferPointer { result in
                        for i in 0..<values.count { result[Int(map[i])] += Foundation.exp(values[i] - top[Int(map[i])]) }
                        for j in 0..<n { result[j] = top[j] == -.infinity ? -.infinity : top[j] + Foundation.log(result[j]) }
                    }
                }
            }
        }
        return Factor(attributes: subset, sizes: subsetSizes, values: result)
    }

    /// values[i] += scale · other[map[i]] for a table over a subset of these attributes.
    public mutating func add(_ other: Factor, map: [Int32], scale: Double = 1) {
        other.values.withUnsafeBufferPointer { source in
            map.withUnsafeBufferPointer { map in
                values.withUnsafeMutableBufferPointer { values in
                    for i in 0..<values.count { values[i] += scale * source[Int(map[i])] }
                }
            }
        }
    }

    /// The product of two tables, over the union of their attributes.
    public static func product(_ a: Factor, _ b: Factor) -> Factor {
        var attributes: [Int] = [], sizes: [Int] = []
        for (attribute, size) in (Array(zip(a.attributes, a.sizes)) + Array(zip(b.attributes, b.sizes))).sorted(by: { $0.0 < $1.0 })
        where attributes.last != attribute {
            attributes.append(attribute)
            sizes.append(size)
        }
        let mapA = indexMap(attributes: attributes, sizes: sizes, subset: a.attributes)
        let mapB = indexMap(attributes: attributes, sizes: sizes, subset: b.attributes)
        let values = (0..<mapA.count).map { a.values[Int(mapA[$0])] * b.values[Int(mapB[$0])] }
        return Factor(attributes: attributes, sizes: sizes, values: values)
    }

    public var total: Double { values.reduce(0, +) }
}

import Foundation
