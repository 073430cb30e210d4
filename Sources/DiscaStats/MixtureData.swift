import DiscaCore

/// The rows a Gaussian mixture is fitted to, prepared once and reused by every candidate K and every start:
/// converted to Double and centred on the global mean (a shift that leaves the likelihood unchanged and keeps the
/// raw-moment sums of the M-step well conditioned), with the augmented rows of `AugmentedRows` cached when they fit
/// in `cacheBudgetBytes`.
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
    /// (localCount, AugmentedRows.width(d)) or empty when over budget (then built per block).
    let augmented: [Double]

    /// The global indices of the local rows.
    public var globalRows: Range<Int> { firstRow..<(firstRow + localCount) }

    /// Default limit for the cached augmented rows of one rank (d = 16: 153 Doubles a row, about 3.3 M rows).
    public static let defaultCacheBudgetBytes = 512 << 20

    /// Collective: one allreduce of the count and the sum. Throws `badInput` (on every rank) when a value is not
    /// finite or there are fewer than 2 rows in all.
    /// Local preparation with a given shift (no communication), for scoring new rows against a fitted model.
    init<S>(local rows: LocalRows<S>, shift: [Double], globalCount: Int,
            cacheBudgetBytes: Int = MixtureData.defaultCacheBudgetBytes) {
        let d = rows.dims
        var centred = [Double](repeating: 0, count: rows.count * d)
        rows.values.withUnsafeBufferPointer { x in
            for r in 0..<rows.count { for j in 0..<d { centred[r * d + j] = Double(x[r * d + j]) - shift[j] } }
        }
        self.init(dims: d, firstRow: rows.firstRow, globalCount: globalCount, shift: shift, centred: centred,
                  cacheBudgetBytes: cacheBudgetBytes)
    }

    private init(dims d: Int, firstRow: Int, globalCount: Int, shift: [Double], centred: [Double],
                 cacheBudgetBytes: Int) {
        let count = centred.count / d
        self.dims = d
        self.localCount = count
        self.globalCount = globalCount
        self.firstRow = firstRow
        self.shift = shift
        self.centred = centred
        let width = AugmentedRows.width(d)
        if count * width * MemoryLayout<Double>.stride <= cacheBudgetBytes {
            var aug = [Double](repeating: 0, count: count * width)
            centred.withUnsafeBufferPointer { x in
                aug.withUnsafeMutableBufferPointer { AugmentedRows.fill($0.baseAddress!, x.baseAddress!, rows: count, dims: d) }
            }
            self.augmented = aug
        } else {
            self.augmented = []
        }
    }

    public init<S>(_ rows: LocalRows<S>, comm: Communicator,
                   cacheBudgetBytes: Int = MixtureData.defaultCacheBudgetBytes) throws {
        let d = rows.dims
        try comm.agree(capturingError { try rows.checkFinite("mixture input") })
        var sums = [Double](repeating: 0, count: d + 1)
        rows.values.withUnsafeBufferPointer { x in
            for r in 0..<rows.count { for j in 0..<d { sums[j] += Double(x[r * d + j]) } }
        }
        sums[d] = Double(rows.count)
        try comm.allreduce(&sums, .sum)
        let n = Int(sums[d])
        guard n >= 2 else { throw CollectiveError(.badInput("a Gaussian mixture needs at least 2 rows, got \(n)")) }
        let mean = (0..<d).map { sums[$0] / Double(n) }
        self.init(local: rows, shift: mean, globalCount: n, cacheBudgetBytes: cacheBudgetBytes)
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
