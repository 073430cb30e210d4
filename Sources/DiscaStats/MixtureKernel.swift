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
struct MixtureKernel {
    let components: Int
    let dims: Int
    /// (S, K) row-major.
    let theta: [Double]

    init(_ model: GaussianMixtureModel) {
        let k = model.components, d = model.dims, s = AugmentedRows.width(d), dd = d * d
        var theta = [Double](repeating: 0, count: s * k)
        let halfLog2Pi = 0.5 * Double(d) * log(2 * Double.pi)
        var precision = [Double](repeating: 0, count: dd)
        for c in 0..<k {
            let u = Array(model.precisionCholesky[(c * dd)..<(c * dd + dd)])
            let mu = Array(model.means[(c * d)..<(c * d + d)])
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
                theta[i * k + c] = lin
                quadMean += mu[i] * lin
            }
            theta[d * k + c] = log(model.weights[c]) + logDet - halfLog2Pi - 0.5 * quadMean
            var p = d + 1
            for i in 0..<d {
                for j in i..<d {
                    theta[p * k + c] = i == j ? -0.5 * precision[i * d + i] : -precision[i * d + j]
                    p += 1
                }
            }
        }
        self.components = k
        self.dims = d
        self.theta = theta
    }

    /// out (rows, K) = z (rows, S) @ theta (S, K): weighted log densities.
    func logDensities(_ out: UnsafeMutablePointer<Double>, _ z: UnsafePointer<Double>, rows: Int) {
        let s = AugmentedRows.width(dims)
        theta.withUnsafeBufferPointer { t in
            BLAS.dgemm(m: rows, n: components, k: s, a: z, lda: s, b: t.baseAddress!, ldb: components,
                       c: out, ldc: components)
        }
    }

    /// In place, per row: log densities -> responsibilities exp(l - logsumexp(l)). Returns the sum over rows of
    /// logsumexp(l) (the log-likelihood of the rows). Writes each row's argmax into `labels` when given.
    /// The exponentials of the whole block go through `VectorExp` in one pass.
    static func normalizeRows(_ p: UnsafeMutablePointer<Double>, rows: Int, components k: Int,
                              labels: UnsafeMutablePointer<Int32>? = nil) -> Double {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: max(rows, 1)) { maxima in
            for r in 0..<rows {
                let row = p + r * k
                var m = row[0]
                if let labels {
                    var best = 0
                    for j in 1..<max(k, 1) where row[j] > m { m = row[j]; best = j }
                    labels[r] = Int32(best)
                } else {
                    for j in 1..<max(k, 1) { m = Swift.max(m, row[j]) }
                }
                maxima[r] = m
                // Unreachable with finite data and parameters; keeps NaN out if it ever happens.
                if !m.isFinite { for j in 0..<k { row[j] = 0 } } else { for j in 0..<k { row[j] -= m } }
            }
            VectorExp.apply(p, count: rows * k)
            var total = 0.0
            for r in 0..<rows {
                let row = p + r * k
                var sum = 0.0
                for j in 0..<k { sum += row[j] }
                let inv = 1 / sum
                for j in 0..<k { row[j] *= inv }
                total += maxima[r].isFinite ? maxima[r] + log(sum) : maxima[r]
            }
            return total
        }
    }
}
