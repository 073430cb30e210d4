import DiscaNumerics

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The E-step of a full-covariance mixture as one matrix product per block of rows.
///
/// With P_k = U_k U_k^T (the precision) the weighted log density is a linear function of the augmented row z(x)
/// (`AugmentedRows`):
///   log(w_k N(x | mu_k, Sigma_k)) = log w_k + sum_i log U_k,ii - d/2 log(2 pi) - 1/2 mu_k^T P_k mu_k
///                                   + (P_k mu_k) . x - 1/2 sum_i P_k,ii x_i^2 - sum_{i<j} P_k,ij x_i x_j
///                                 = z(x) . theta_k.
/// So a block's (rows, K) log densities are z (rows, S) @ theta (S, K), and the block's sufficient statistics are
/// r^T (K, rows) @ z (rows, S): two dgemm calls per block and no per-component loop. The rows are centred on the
/// global mean (`MixtureData`), which keeps the expanded quadratic form accurate in Double.
///
/// Several mixtures can share one kernel (`init(_ models:)`): their theta columns are concatenated, each mixture a
/// `Segment` of columns, so that every mixture of a lockstep fit (all candidate K, all starts) is evaluated by the
/// same matrix products over the same augmented rows.
struct MixtureKernel {
    /// The columns of one mixture: `offset ..< offset + count`.
    struct Segment: Sendable, Equatable {
        let offset: Int
        let count: Int
        var range: Range<Int> { offset..<(offset + count) }
    }

    /// Total columns C (the sum of the mixtures' K).
    let components: Int
    let dims: Int
    /// One per mixture, in order, covering 0..<C.
    let segments: [Segment]
    /// (S, C) row-major.
    let theta: [Double]

    init(_ model: GaussianMixtureModel) { self.init([model]) }

    init(_ models: [GaussianMixtureModel]) {
        precondition(!models.isEmpty, "a mixture kernel needs at least one model")
        let d = models[0].dims, s = AugmentedRows.width(d)
        var segments: [Segment] = []
        var c = 0
        for m in models {
            precondition(m.dims == d, "mixtures of widths \(d) and \(m.dims) in one kernel")
            segments.append(Segment(offset: c, count: m.components))
            c += m.components
        }
        var theta = [Double](repeating: 0, count: s * c)
        for (m, segment) in zip(models, segments) {
            Self.fillTheta(&theta, columns: c, offset: segment.offset, model: m)
        }
        self.components = c
        self.dims = d
        self.segments = segments
        self.theta = theta
    }

    /// Writes the model's K columns of theta (S, C) starting at column `offset`.
    private static func fillTheta(_ theta: inout [Double], columns cols: Int, offset: Int, model: GaussianMixtureModel) {
        let k = model.components, d = model.dims, dd = d * d
        let halfLog2Pi = 0.5 * Double(d) * log(2 * Double.pi)
        var precision = [Double](repeating: 0, count: dd)
        for c in 0..<k {
            let u = Array(model.precisionCholesky[(c * dd)..<(c * dd + dd)])
            let mu = Array(model.means[(c * d)..<(c * d + d)])
            let col = offset + c
            for i in 0..<d {
                for j in i..<d {
                    var v = 0.0
                    for p in j..<d { v += u[i * d + p] * u[j * d + p] }   // U upper: (U U^T)_ij = sum_{p>=max(i,j)}
                    precision[i * d + j] = v
                    precision[j * d + i] = v
                }
            }
            var logDet = 0.0
            for i in 0..<d { logDet += log(u[i * d + i]) }
            var quadMean = 0.0
            for i in 0..<d {
                var lin = 0.0
                for j in 0..<d { lin += precision[i * d + j] * mu[j] }
                theta[i * cols + col] = lin
                quadMean += mu[i] * lin
            }
            theta[d * cols + col] = log(model.weights[c]) + logDet - halfLog2Pi - 0.5 * quadMean
            var p = d + 1
            for i in 0..<d {
                for j in i..<d {
                    theta[p * cols + col] = i == j ? -0.5 * precision[i * d + i] : -precision[i * d + j]
                    p += 1
                }
            }
        }
    }

    /// out (rows, C) = z (rows, S) @ theta (S, C): weighted log densities of every column.
    func logDensities(_ out: UnsafeMutablePointer<Double>, _ z: UnsafePointer<Double>, rows: Int) {
        logDensities(out, z, rows: rows, columns: 0..<components)
    }

    /// out (rows, columns.count) = z (rows, S) @ theta[:, columns]: the log densities of some columns.
    func logDensities(_ out: UnsafeMutablePointer<Double>, _ z: UnsafePointer<Double>, rows: Int, columns: Range<Int>) {
        let s = AugmentedRows.width(dims)
        theta.withUnsafeBufferPointer { t in
            BLAS.dgemm(m: rows, n: columns.count, k: s, a: z, lda: s, b: t.baseAddress! + columns.lowerBound,
                       ldb: components, c: out, ldc: columns.count)
        }
    }

    /// In place, per row: log densities -> responsibilities exp(l - logsumexp(l)). Returns the sum over rows of
    /// logsumexp(l) (the log-likelihood of the rows). Writes each row's argmax into `labels` when given.
    static func normalizeRows(_ p: UnsafeMutablePointer<Double>, rows: Int, components k: Int,
                              labels: UnsafeMutablePointer<Int32>? = nil) -> Double {
        var total = 0.0
        normalizeRows(p, rows: rows, columns: k, segments: [Segment(offset: 0, count: k)], logLikelihoods: &total,
                      labels: labels)
        return total
    }

    /// The same for a block (rows, C) holding several mixtures side by side: each segment of each row is normalised
    /// on its own, and each segment's log-likelihood sum is added to `logLikelihoods[segment]`. `labels` (the argmax
    /// within each row) only with a single segment. The exponentials of the whole block go through `VectorExp` in
    /// one pass.
    static func normalizeRows(_ p: UnsafeMutablePointer<Double>, rows: Int, columns c: Int, segments: [Segment],
                              logLikelihoods: UnsafeMutablePointer<Double>,
                              labels: UnsafeMutablePointer<Int32>? = nil) {
        precondition(labels == nil || segments.count == 1, "labels are for a single mixture")
        let count = segments.count
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(rows * count, 1)) { maxima in
            for r in 0..<rows {
                let row = p + r * c
                for (g, segment) in segments.enumerated() {
                    let part = row + segment.offset, k = segment.count
                    var m = part[0]
                    if let labels {
                        var best = 0
                        for j in 1..<max(k, 1) where part[j] > m { m = part[j]; best = j }
                        labels[r] = Int32(best)
                    } else {
                        for j in 1..<max(k, 1) { m = Swift.max(m, part[j]) }
                    }
                    maxima[r * count + g] = m
                    // Unreachable with finite data and parameters; keeps NaN out if it ever happens.
                    if !m.isFinite { for j in 0..<k { part[j] = 0 } } else { for j in 0..<k { part[j] -= m } }
                }
            }
            VectorExp.apply(p, count: rows * c)
            for (g, segment) in segments.enumerated() {
                var total = 0.0
                for r in 0..<rows {
                    let part = p + r * c + segment.offset, k = segment.count
                    var sum = 0.0
                    for j in 0..<k { sum += part[j] }
                    let inv = 1 / sum
                    for j in 0..<k { part[j] *= inv }
                    let m = maxima[r * count + g]
                    total += m.isFinite ? m + log(sum) : m
                }
                logLikelihoods[g] += total
            }
        }
    }
}
