import DiscaCore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Agreement of a clustering with true classes, as scikit-learn computes it (natural logarithms):
/// homogeneity, completeness and V-measure (Rosenberg & Hirschberg 2007; `homogeneity_completeness_v_measure`,
/// beta = 1), the adjusted Rand index (`adjusted_rand_score`), and the accuracy after the best one-to-one matching
/// of clusters to classes (Hungarian), reported only when the number of clusters equals the number of classes.
/// Shared by the training loop's history and `disca evaluate`.
public struct ClusteringMetrics: Codable, Sendable, Equatable {
    public let homogeneity: Double
    public let completeness: Double
    public let vMeasure: Double
    public let adjustedRandIndex: Double
    /// Fraction of rows in a matched cluster-class pair; nil when the cluster and class counts differ.
    public let accuracy: Double?
    /// Non-empty predicted clusters (the estimated K).
    public let clusters: Int
    /// Non-empty true classes.
    public let classes: Int
    public let sampleCount: Int

    /// From whole label arrays (any integer ids; only their equality matters).
    public static func compute(predicted: [Int], truth: [Int]) -> ClusteringMetrics {
        precondition(predicted.count == truth.count, "metrics: \(predicted.count) predictions for \(truth.count) truths")
        let p = dense(predicted), t = dense(truth)
        var table = [Int64](repeating: 0, count: t.count * p.count)
        for (a, b) in zip(t.ids, p.ids) { table[a * p.count + b] += 1 }
        return compute(contingency: table, classes: t.count, clusters: p.count)
    }

    /// Collective: local labels of the rows held here (predicted in 0..<clusterIds, truth in 0..<classIds, both
    /// non-negative); the contingency table is allreduced.
    public static func compute(predicted: [Int32], truth: [Int32], comm: Communicator) throws -> ClusteringMetrics {
        let kp = Int(try comm.allreduce(Int64((predicted.max() ?? -1) + 1), .max))
        let kt = Int(try comm.allreduce(Int64((truth.max() ?? -1) + 1), .max))
        let table = try LabelMatching.contingency(truth, predicted, ka: kt, kb: kp, comm: comm)
        return compute(contingency: table, classes: kt, clusters: kp)
    }

    /// From a contingency table (classes, clusters) row-major; empty rows and columns are ignored.
    public static func compute(contingency full: [Int64], classes kt: Int, clusters kp: Int) -> ClusteringMetrics {
        precondition(full.count == kt * kp)
        var rowSums = [Int64](repeating: 0, count: kt), colSums = [Int64](repeating: 0, count: kp)
        for i in 0..<kt { for j in 0..<kp { rowSums[i] += full[i * kp + j]; colSums[j] += full[i * kp + j] } }
        let rows = (0..<kt).filter { rowSums[$0] > 0 }, cols = (0..<kp).filter { colSums[$0] > 0 }
        let table = rows.map { i in cols.map { j in full[i * kp + j] } }
        let a = rows.map { rowSums[$0] }, b = cols.map { colSums[$0] }
        let n = a.reduce(0, +)

        let entropyClasses = entropy(a), entropyClusters = entropy(b)
        let mi = mutualInformation(table, a, b, n)
        let h = entropyClasses != 0 ? mi / entropyClasses : 1
        let c = entropyClusters != 0 ? mi / entropyClusters : 1
        let v = h + c == 0 ? 0 : 2 * h * c / (h + c)

        var accuracy: Double?
        if rows.count == cols.count, n > 0 {
            let weights = table.flatMap { $0.map { Double($0) } }
            let match = Hungarian.maximumWeight(weights, rows: rows.count, cols: cols.count)
            accuracy = Hungarian.total(weights, cols: cols.count, assignment: match) / Double(n)
        }
        return ClusteringMetrics(homogeneity: h, completeness: c, vMeasure: v,
                                 adjustedRandIndex: adjustedRand(table, a, b, n), accuracy: accuracy,
                                 clusters: cols.count, classes: rows.count, sampleCount: Int(n))
    }

    /// Label ids renumbered 0..<count in order of first sorted value.
    private static func dense(_ labels: [Int]) -> (ids: [Int], count: Int) {
        let values = Array(Set(labels)).sorted()
        var index: [Int: Int] = [:]
        for (i, v) in values.enumerated() { index[v] = i }
        return (labels.map { index[$0]! }, values.count)
    }

    /// -sum p log p of the class sizes (`sklearn.metrics.cluster.entropy`).
    private static func entropy(_ sizes: [Int64]) -> Double {
        let total = Double(sizes.reduce(0, +))
        guard sizes.count > 1, total > 0 else { return 0 }
        var h = 0.0
        for s in sizes where s > 0 { h -= (Double(s) / total) * (log(Double(s)) - log(total)) }
        return h
    }

    /// `mutual_info_score` from a contingency table, term by term as scikit-learn writes it.
    private static func mutualInformation(_ table: [[Int64]], _ a: [Int64], _ b: [Int64], _ n: Int64) -> Double {
        guard a.count > 1, b.count > 1 else { return 0 }
        let total = Double(n), logTotal = log(total)
        var mi = 0.0
        for (i, row) in table.enumerated() {
            for (j, count) in row.enumerated() where count > 0 {
                let nm = Double(count) / total
                let logOuter = -log(Double(a[i]) * Double(b[j])) + logTotal + logTotal
                var term = nm * (log(Double(count)) - logTotal) + nm * logOuter
                if abs(term) < Double.ulpOfOne { term = 0 }
                mi += term
            }
        }
        return max(mi, 0)
    }

    /// `adjusted_rand_score` through the pair confusion matrix, in Double (exact below 2^53 pairs).
    private static func adjustedRand(_ table: [[Int64]], _ a: [Int64], _ b: [Int64], _ n: Int64) -> Double {
        let nn = Double(n)
        var sumSquares = 0.0, rowWeighted = 0.0, colWeighted = 0.0
        for (i, row) in table.enumerated() {
            for (j, count) in row.enumerated() where count > 0 {
                let c = Double(count)
                sumSquares += c * c
                rowWeighted += c * Double(b[j])    // contingency . n_k
                colWeighted += c * Double(a[i])    // contingency^T . n_c
            }
        }
        let tp = sumSquares - nn, fp = rowWeighted - sumSquares, fn = colWeighted - sumSquares
        let tn = nn * nn - fp - fn - sumSquares
        if fn == 0 && fp == 0 { return 1 }
        return 2 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))
    }
}
