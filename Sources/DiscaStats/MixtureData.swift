import DiscaCore

/// The rows a Gaussian mixture is fitted to, prepared once and reused by every candidate K and every start:
/// converted to Double and centred on the global mean (a shift that leaves the likelihood unchanged and keeps the
/// raw-moment sums of the M-step well conditioned). The augmented rows of `AugmentedRows` are built per block of
/// 64 rows inside each pass, in cache: caching all of them (153 Doubles a row for d = 16) was measured about 10%
/// slower, the passes then being bound by memory traffic.
public struct MixtureData: Sendable {
    /// Width of a row (d).
    public let dims: Int
    /// Rows held by this rank.
    public let localCount: Int
    /// Rows over all ranks (N).
    public let globalCount: Int
    /// Global index of this rank's first row.
    public let firstRow: Int
    /// (d) the global mean, subtracted from every row; added back to the means of a fitted model.
    public let shift: [Double]
    /// (localCount, d) the centred rows.
    let centred: [Double]

    /// The global indices of the local rows.
    public var globalRows: Range<Int> { firstRow..<(firstRow + localCount) }

    /// Local preparation with a given shift (no communication), for scoring new rows against a fitted model.
    init<S>(local rows: LocalRows<S>, shift: [Double], globalCount: Int) {
        let d = rows.dims
        var centred = [Double](repeating: 0, count: rows.count * d)
        rows.values.withUnsafeBufferPointer { x in
            for r in 0..<rows.count { for j in 0..<d { centred[r * d + j] = Double(x[r * d + j]) - shift[j] } }
        }
        self.dims = d
        self.localCount = rows.count
        self.globalCount = globalCount
        self.firstRow = rows.firstRow
        self.shift = shift
        self.centred = centred
    }

    /// Collective: one allreduce of the count and the sum. Throws `badInput` (on every rank) when a value is not
    /// finite or there are fewer than 2 rows in all.
    public init<S>(_ rows: LocalRows<S>, comm: Communicator) throws {
        let (n, mean) = try rows.globalCountAndMean("a Gaussian mixture", comm: comm)
        self.init(local: rows, shift: mean, globalCount: n)
    }
}

/// The augmented row z(x) = [x (d), 1, x_i x_j for i <= j (d(d+1)/2, row-major upper triangle)].
///
/// Both halves of an EM step are then one matrix product each over a block of rows:
/// log(w_k N(x | mu_k, Sigma_k)) = z(x) . theta_k (theta from `MixtureKernel`), and the sufficient statistics
/// [sum r x, sum r, sum r x x^T] of component k are sum_n r_nk z(x_n).
public enum AugmentedRows {
    /// S = d + 1 + d(d+1)/2.
    @inlinable public static func width(_ d: Int) -> Int { d + 1 + d * (d + 1) / 2 }

    /// out (rows, S) = z(x) for x (rows, d).
    public static func fill(_ out: UnsafeMutablePointer<Double>, _ x: UnsafePointer<Double>, rows: Int, dims d: Int) {
        let s = width(d)
        for r in 0..<rows {
            let xr = x + r * d, o = out + r * s
            for j in 0..<d { o[j] = xr[j] }
            o[d] = 1
            var p = d + 1
            for i in 0..<d {
                let xi = xr[i]
                for j in i..<d { o[p] = xi * xr[j]; p += 1 }
            }
        }
    }
}
