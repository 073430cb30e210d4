import DiscaCore
import DiscaNumerics

/// The distortion-based Davies-Bouldin index (docs/algorithm.md section 7; the reference's `DDBI`), from global
/// per-cluster statistics (count, sum, sum of outer products: one allreduce), in Double:
///   mu_i = mean of cluster i,  C_i = its covariance (divisor n_i - 1, numpy's `np.cov`),
///   P_i = (C_i + reg_covar I)^-1,
///   T_i = mean over members x of (x - mu_i)^T P_i (x - mu_i) = sum_ab P_i,ab Scatter_i,ab / n_i,
///   D_ij = (mu_j - mu_i)^T P_i (mu_j - mu_i),   R_ij = (T_i + T_j) / (D_ij + D_ji)  (i != j),
///   DDBI = mean over j of max over i of R_ij   (the diagonal counts as 0, as in the reference).
/// Lower is better. Empty clusters are left out; a cluster of one row has C = 0 (the reference gives NaN there);
/// a single cluster gives 0 (as the reference); coinciding means give +infinity, never NaN.
public enum DDBI {
    /// Collective. `labels` of the local rows in 0..<k.
    public static func compute<S>(_ rows: LocalRows<S>, labels: [Int32], components k: Int,
                                  regCovar: Double = 1e-5, comm: Communicator) throws -> Double {
        try compute(MixtureData(rows, comm: comm), labels: labels, components: k,
                    regCovar: regCovar, comm: comm)
    }

    /// Collective, on rows already prepared for the mixture.
    public static func compute(_ data: MixtureData, labels: [Int32], components k: Int, regCovar: Double = 1e-5,
                               threads: Int = 1, comm: Communicator) throws -> Double {
        try comm.agree(capturingError {
            guard labels.count == data.localCount else {
                throw DiscaError.badInput("DDBI: \(labels.count) labels for \(data.localCount) rows")
            }
            if let bad = labels.first(where: { $0 < 0 || Int($0) >= k }) {
                throw DiscaError.badInput("DDBI: label \(bad) outside 0..<\(k)")
            }
        })
        var stats = labels.withUnsafeBufferPointer { l in
            let base = l.baseAddress!, first = data.firstRow
            return MixturePass.statistics(data, components: k, threads: threads) { row, resp in
                for j in 0..<k { resp[j] = 0 }
                resp[Int(base[row - first])] = 1
            }
        }
        try comm.allreduce(&stats, .sum)
        return fromStatistics(stats, components: k, dims: data.dims, regCovar: regCovar)
    }

    /// DDBI from per-cluster statistics in `AugmentedRows` layout: [sum x (d), count, sum x x^T packed].
    static func fromStatistics(_ stats: [Double], components k: Int, dims d: Int, regCovar: Double) -> Double {
        let s = AugmentedRows.width(d)
        var means: [[Double]] = [], precisions: [[Double]] = [], compactness: [Double] = []
        for c in 0..<k {
            let n = stats[c * s + d]
            guard n > 0 else { continue }
            let mu = (0..<d).map { stats[c * s + $0] / n }
            var scatter = [Double](repeating: 0, count: d * d)
            var p = c * s + d + 1
            for i in 0..<d {
                for j in i..<d {
                    let v = stats[p] - n * mu[i] * mu[j]
                    scatter[i * d + j] = v
                    scatter[j * d + i] = v
                    p += 1
                }
            }
            var cov = scatter.map { n > 1 ? $0 / (n - 1) : 0 }
            for i in 0..<d { cov[i * d + i] += regCovar }
            let precision = SmallMatrix.inverseSPD(cov, n: d)
                ?? SmallMatrix.inverseSPD(MixtureMStep.precisionCholeskyFactor(cov, dims: d, regCovar: regCovar)
                    .adjusted ?? cov, n: d)!
            var t = 0.0
            for i in 0..<(d * d) { t += precision[i] * scatter[i] }
            means.append(mu)
            precisions.append(precision)
            compactness.append(max(t / n, 0))
        }
        let m = means.count
        guard m > 1 else { return 0 }
        func distance(_ i: Int, _ j: Int) -> Double {   // (mu_j - mu_i)^T P_i (mu_j - mu_i)
            let diff = (0..<d).map { means[j][$0] - means[i][$0] }
            var q = 0.0
            for a in 0..<d { for b in 0..<d { q += diff[a] * precisions[i][a * d + b] * diff[b] } }
            return q
        }
        var sum = 0.0
        for j in 0..<m {
            var worst = 0.0
            for i in 0..<m where i != j {
                let denominator = distance(i, j) + distance(j, i)
                let r = denominator > 0 ? (compactness[i] + compactness[j]) / denominator : .infinity
                worst = max(worst, r)
            }
            sum += worst
        }
        return sum / Double(m)
    }
}
