import DiscaCore

/// Cluster-id bookkeeping over ranks: global contingency tables, and renaming new cluster ids to best match the
/// previous iteration's (docs/algorithm.md section 4, step 6).
public enum LabelMatching {
    /// Global contingency table (ka, kb) row-major: entry (i, j) counts rows with a = i and b = j, over all ranks
    /// (one allreduce). Labels must lie in 0..<ka and 0..<kb.
    public static func contingency(_ a: [Int32], _ b: [Int32], ka: Int, kb: Int,
                                   comm: Communicator) throws -> [Int64] {
        precondition(a.count == b.count, "contingency: \(a.count) vs \(b.count) labels")
        var table = [Int64](repeating: 0, count: ka * kb)
        try comm.agree(capturingError {
            for (x, y) in zip(a, b) {
                guard x >= 0 && Int(x) < ka && y >= 0 && Int(y) < kb else {
                    throw DiscaError.badInput("contingency: label pair (\(x), \(y)) outside \(ka) x \(kb)")
                }
                table[Int(x) * kb + Int(y)] += 1
            }
        })
        try comm.allreduce(&table, .sum)
        return table
    }

    /// The renaming new id -> previous id that maximises the number of rows keeping their id (Hungarian on the
    /// global K x K contingency table). Both labelings must use the same K (the algorithm matches only then).
    public static func mapping(new: [Int32], previous: [Int32], k: Int, comm: Communicator) throws -> [Int] {
        let table = try contingency(new, previous, ka: k, kb: k, comm: comm)
        let assignment = Hungarian.maximumWeight(table.map { Double($0) }, rows: k, cols: k)
        return assignment.map { $0! }
    }

    /// Renames `labels` (and the columns of `posterior`, (count, k)) by `map` (new id -> final id).
    public static func apply(_ map: [Int], labels: inout [Int32], posterior: inout [Float], k: Int) {
        for i in labels.indices { labels[i] = Int32(map[Int(labels[i])]) }
        guard !posterior.isEmpty else { return }
        precondition(posterior.count == labels.count * k)
        var row = [Float](repeating: 0, count: k)
        for r in 0..<labels.count {
            for j in 0..<k { row[map[j]] = posterior[r * k + j] }
            for j in 0..<k { posterior[r * k + j] = row[j] }
        }
    }

    /// Fraction of rows (over all ranks) whose label differs between two labelings (the convergence test).
    public static func changedFraction(_ a: [Int32], _ b: [Int32], comm: Communicator) throws -> Double {
        precondition(a.count == b.count)
        var counts: [Int64] = [Int64(zip(a, b).filter { $0 != $1 }.count), Int64(a.count)]
        try comm.allreduce(&counts, .sum)
        return counts[1] == 0 ? 0 : Double(counts[0]) / Double(counts[1])
    }
}
