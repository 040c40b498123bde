/// Groups of a batch's rows, each run as its own forward and backward pass cut to its longest row.
///
/// Every batch is padded to the table's longest row (Adult: 43 positions where the mean row has
/// 38.7), and padding costs as much as a token in every GEMM. The batch's loss and gradient are sums
/// over rows, so splitting the rows into groups of similar length and summing the groups' gradients
/// gives the same result while the padding mostly goes away.
enum LengthGroups {
    /// Splits `lengths` (sorted ascending) into consecutive groups of at least `minimumRows` rows
    /// (all of them when there are fewer), choosing the cut that minimises the positions computed:
    /// Σ (rows + 1) · longest over the groups, the extra row standing for a pass's fixed cost, so an
    /// equal-length batch stays one group. Dynamic programming over the cut points, O(n²).
    static func groups(sortedLengths lengths: [Int], minimumRows: Int = 8) -> [Range<Int>] {
        let n = lengths.count
        guard n > 0 else { return [] }
        let least = min(max(minimumRows, 1), n)
        var best = [Int](repeating: .max, count: n + 1), cut = [Int](repeating: 0, count: n + 1)
        best[0] = 0
        for end in least...n {
            for start in 0...(end - least) where best[start] != .max {
                let cost = best[start] + (end - start + 1) * lengths[end - 1]
                if cost < best[end] { (best[end], cut[end]) = (cost, start) }
            }
        }
        var result: [Range<Int>] = [], end = n
        while end > 0 {
            result.append(cut[end]..<end)
            end = cut[end]
        }
        return result.reversed()
    }
}
