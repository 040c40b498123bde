/// Rows as cell indices (`PublicDiscretization`), row-major, for the counts of marginals.
public struct DiscreteTable: Sendable {
    public let domain: [Int]
    public let rowCount: Int
    /// rowCount × domain.count cells.
    public let cells: [Int32]

    public init(domain: [Int], cells: [Int32]) {
        precondition(domain.isEmpty ? cells.isEmpty : cells.count % domain.count == 0)
        self.domain = domain
        self.cells = cells
        rowCount = domain.isEmpty ? 0 : cells.count / domain.count
    }

    public init(rows: [Row], discretization: PublicDiscretization) {
        self.init(domain: discretization.sizes, cells: rows.flatMap { discretization.cells(of: $0) })
    }

    /// The count vector of the marginal over `attributes` (ascending): what the Gaussian mechanism
    /// releases. One row adds 1 to exactly one cell (L2 sensitivity 1 under add/remove adjacency).
    public func marginal(_ attributes: [Int]) -> Factor {
        var factor = Factor(attributes: attributes, domain: domain)
        var strides = [Int](repeating: 0, count: attributes.count)
        var stride = 1
        for k in attributes.indices.reversed() {
            strides[k] = stride
            stride *= domain[attributes[k]]
        }
        let width = domain.count
        cells.withUnsafeBufferPointer { cells in
            factor.values.withUnsafeMutableBufferPointer { counts in
                for row in 0..<rowCount {
                    var index = 0
                    for k in attributes.indices { index += Int(cells[row * width + attributes[k]]) * strides[k] }
                    counts[index] += 1
                }
            }
        }
        return factor
    }
}
