import DiscaCore

/// This rank's share of a global (N, dims) row-major matrix: the global rows `firstRow ..< firstRow + count`.
/// Every distributed statistic in DiscaStats takes its input this way; `firstRow` keys the per-sample random streams,
/// so results do not depend on how rows are split over ranks.
public struct LocalRows<Scalar: BinaryFloatingPoint & Sendable>: Sendable {
    /// (count, dims), row-major.
    public var values: [Scalar]
    public let dims: Int
    /// Global index of the first local row.
    public let firstRow: Int

    public init(values: [Scalar], dims: Int, firstRow: Int) {
        precondition(dims > 0 && values.count % dims == 0, "LocalRows: \(values.count) values are not rows of \(dims)")
        self.values = values
        self.dims = dims
        self.firstRow = firstRow
    }

    /// The number of local rows.
    public var count: Int { values.count / dims }

    /// The global row indices held here.
    public var globalRows: Range<Int> { firstRow..<(firstRow + count) }

    /// This rank's even share (`comm.rows(of:)`) of a global matrix held whole on every rank (tests, small data).
    public static func share(of global: [Scalar], dims: Int, comm: Communicator) -> LocalRows {
        let range = comm.rows(of: global.count / dims)
        return LocalRows(values: Array(global[(range.lowerBound * dims)..<(range.upperBound * dims)]), dims: dims,
                         firstRow: range.lowerBound)
    }

    /// Throws `badInput` naming `what` when any value is NaN or infinite.
    public func checkFinite(_ what: String) throws {
        if let i = values.firstIndex(where: { !$0.isFinite }) {
            throw DiscaError.badInput("\(what): non-finite value at row \(firstRow + i / dims), column \(i % dims)")
        }
    }
}

extension LocalRows {
    /// Collective: checks every rank's values are finite (`what` names the input in the error), then returns the
    /// global row count and column means from one allreduce of (column sums, count) in Double.
    /// Throws `badInput` when fewer than 2 rows exist over all ranks (`what` names the step).
    func globalCountAndMean(_ what: String, comm: Communicator) throws -> (count: Int, mean: [Double]) {
        let d = dims
        try comm.agree(capturingError { try checkFinite("\(what) input") })
        var sums = [Double](repeating: 0, count: d + 1)
        values.withUnsafeBufferPointer { x in
            for r in 0..<count { for j in 0..<d { sums[j] += Double(x[r * d + j]) } }
        }
        sums[d] = Double(count)
        try comm.allreduce(&sums, .sum)
        let n = Int(sums[d])
        guard n >= 2 else { throw CollectiveError(.badInput("\(what) needs at least 2 rows, got \(n)")) }
        return (n, (0..<d).map { sums[$0] / Double(n) })
    }
}

extension Communicator {
    /// The global number of rows: the sum of every rank's local count.
    func globalCount(_ local: Int) throws -> Int { Int(try allreduce(Int64(local), .sum)) }
}
