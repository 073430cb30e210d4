/// Optimal assignment (Kuhn-Munkres / Hungarian method with potentials, O(n^2 m) for n <= m), on rectangular
/// matrices. Used to match cluster ids between iterations and to score accuracy against true classes.
public enum Hungarian {
    /// Minimum-cost assignment of an (rows, cols) row-major cost matrix (finite values). Returns, per row, its
    /// column, or nil when rows > cols and the row is left out. Every column is used at most once; the number of
    /// assigned pairs is min(rows, cols) and their total cost is minimal.
    public static func minimumCost(_ cost: [Double], rows: Int, cols: Int) -> [Int?] {
        precondition(cost.count == rows * cols, "Hungarian: \(cost.count) costs for \(rows) x \(cols)")
        precondition(cost.allSatisfy { $0.isFinite }, "Hungarian: costs must be finite")
        if rows == 0 || cols == 0 { return Array(repeating: nil, count: rows) }
        if rows <= cols { return solve(cost, n: rows, m: cols).map { $0 } }
        // More rows than columns: assign every column a row on the transpose, then invert.
        var transposed = [Double](repeating: 0, count: rows * cols)
        for i in 0..<rows { for j in 0..<cols { transposed[j * rows + i] = cost[i * cols + j] } }
        let columnToRow = solve(transposed, n: cols, m: rows)
        var out = [Int?](repeating: nil, count: rows)
        for (j, i) in columnToRow.enumerated() { out[i] = j }
        return out
    }

    /// Maximum-weight assignment (for counts of agreement): the minimum-cost assignment of the negated weights.
    public static func maximumWeight(_ weight: [Double], rows: Int, cols: Int) -> [Int?] {
        minimumCost(weight.map { -$0 }, rows: rows, cols: cols)
    }

    /// Total cost of an assignment.
    public static func total(_ cost: [Double], cols: Int, assignment: [Int?]) -> Double {
        var s = 0.0
        for (i, j) in assignment.enumerated() { if let j { s += cost[i * cols + j] } }
        return s
    }

    /// n <= m: shortest augmenting paths with row potentials u and column potentials v (1-based, column 0 is the
    /// virtual start). Returns the column of each row.
    private static func solve(_ a: [Double], n: Int, m: Int) -> [Int] {
        var u = [Double](repeating: 0, count: n + 1)
        var v = [Double](repeating: 0, count: m + 1)
        var p = [Int](repeating: 0, count: m + 1)      // p[j]: row (1-based) matched to column j, 0 = none
        var way = [Int](repeating: 0, count: m + 1)
        for i in 1...n {
            p[0] = i
            var j0 = 0
            var minv = [Double](repeating: .infinity, count: m + 1)
            var used = [Bool](repeating: false, count: m + 1)
            repeat {
                used[j0] = true
                let i0 = p[j0]
                var delta = Double.infinity
                var j1 = 0
                for j in 1...m where !used[j] {
                    let cur = a[(i0 - 1) * m + (j - 1)] - u[i0] - v[j]
                    if cur < minv[j] { minv[j] = cur; way[j] = j0 }
                    if minv[j] < delta { delta = minv[j]; j1 = j }
                }
                for j in 0...m {
                    if used[j] { u[p[j]] += delta; v[j] -= delta } else { minv[j] -= delta }
                }
                j0 = j1
            } while p[j0] != 0
            repeat {
                let j1 = way[j0]
                p[j0] = p[j1]
                j0 = j1
            } while j0 != 0
        }
        var rowToColumn = [Int](repeating: -1, count: n)
        for j in 1...m where p[j] != 0 { rowToColumn[p[j] - 1] = j - 1 }
        return rowToColumn
    }
}
