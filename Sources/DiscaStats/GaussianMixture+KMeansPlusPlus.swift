import DiscaCore

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// scikit-learn's `init_params="k-means++"` for a mixture, over ranks: K rows chosen by greedy k-means++ seeding
/// (`sklearn.cluster.kmeans_plusplus`: the first uniformly, each next one the best of 2 + floor(ln K) candidates drawn
/// with probability proportional to the squared distance to the nearest chosen row), then one-hot responsibilities
/// at those rows (each component starts at one row with covariance reg_covar I).
///
/// Draws come from RandomStream(seed, .mixtureInit, iteration: start, index: -1 - c) for the c-th centre, and the
/// sampling walks the rows in global order (each rank's partial sums offset by the ranks before it), so the chosen
/// rows do not depend on the number of ranks (up to rounding at an exact cumulative-sum boundary).
enum KMeansPlusPlus {
    /// The global indices of the K chosen rows. Collective (a few small allreduces per centre).
    static func seeds(_ data: MixtureData, components k: Int, seed: UInt64, start: Int,
                      comm: Communicator) throws -> [Int] {
        let d = data.dims, n = data.globalCount, local = data.localCount
        let trials = 2 + Int(log(Double(k)))
        var chosen: [Int] = []
        var stream = RandomStream(seed: seed, key: RandomKey(.mixtureInit, iteration: start, item: -1))
        let first = min(Int(stream.uniform() * Double(n)), n - 1)
        chosen.append(first)
        var centre = try fetchRows([first], data, comm: comm)
        var closest = [Double](repeating: 0, count: local)
        data.centred.withUnsafeBufferPointer { x in
            centre.withUnsafeBufferPointer { c in
                for r in 0..<local { closest[r] = squaredDistance(x.baseAddress! + r * d, c.baseAddress!, d) }
            }
        }
        var potential = try comm.allreduce(closest.reduce(0, +), .sum)
        for c in 1..<max(k, 1) {
            var s = RandomStream(seed: seed, key: RandomKey(.mixtureInit, iteration: start, item: -1 - c))
            let targets = (0..<trials).map { _ in s.uniform() * potential }
            let ids = try searchCumulative(closest, targets: targets, data: data, comm: comm)
            let rows = try fetchRows(ids, data, comm: comm)
            // Potential of each candidate: sum over all rows of min(closest, distance to the candidate).
            var pots = [Double](repeating: 0, count: trials)
            data.centred.withUnsafeBufferPointer { x in
                rows.withUnsafeBufferPointer { candidates in
                    closest.withUnsafeBufferPointer { near in
                        for t in 0..<trials {
                            var sum = 0.0
                            let centreT = candidates.baseAddress! + t * d
                            for r in 0..<local {
                                sum += min(near[r], squaredDistance(x.baseAddress! + r * d, centreT, d))
                            }
                            pots[t] = sum
                        }
                    }
                }
            }
            try comm.allreduce(&pots, .sum)
            var best = 0
            for t in 1..<trials where pots[t] < pots[best] { best = t }
            potential = pots[best]
            chosen.append(ids[best])
            centre = Array(rows[(best * d)..<(best * d + d)])
            data.centred.withUnsafeBufferPointer { x in
                centre.withUnsafeBufferPointer { c in
                    closest.withUnsafeMutableBufferPointer { near in
                        for r in 0..<local { near[r] = min(near[r], squaredDistance(x.baseAddress! + r * d, c.baseAddress!, d)) }
                    }
                }
            }
        }
        return chosen
    }

    /// For each target v, the global index i of the first row whose inclusive cumulative sum of `weights` (in
    /// global row order) reaches v (numpy's searchsorted, side "left"), clipped to N - 1. Each rank owns the span
    /// (offset, offset + local sum] of the global cumulative sum (rank 0 also everything below), so exactly one rank
    /// claims a target; one allreduce.
    static func searchCumulative(_ weights: [Double], targets: [Double], data: MixtureData,
                                 comm: Communicator) throws -> [Int] {
        var cumulative = weights
        for r in cumulative.indices.dropFirst() { cumulative[r] += cumulative[r - 1] }
        let localSum = cumulative.last ?? 0
        let sums = try comm.allgather(localSum)
        var offset = 0.0
        for r in 0..<comm.rank { offset += sums[r] }
        var found = [Int64](repeating: -1, count: targets.count)
        for (t, v) in targets.enumerated() where (comm.rank == 0 || offset < v) && v <= offset + localSum {
            if let r = cumulative.firstIndex(where: { offset + $0 >= v }) { found[t] = Int64(data.firstRow + r) }
        }
        try comm.allreduce(&found, .max)
        return found.map { $0 < 0 ? data.globalCount - 1 : Int($0) }
    }

    /// The centred rows with the given global indices, on every rank (owners contribute, others add zeros).
    static func fetchRows(_ ids: [Int], _ data: MixtureData, comm: Communicator) throws -> [Double] {
        let d = data.dims
        var rows = [Double](repeating: 0, count: ids.count * d)
        for (t, id) in ids.enumerated() where data.globalRows.contains(id) {
            for j in 0..<d { rows[t * d + j] = data.centred[(id - data.firstRow) * d + j] }
        }
        try comm.allreduce(&rows, .sum)
        return rows
    }

    /// |x - c|^2 over d values, in the order j = 0, 1, ... (so every rank and thread count sums alike).
    @inline(__always)
    static func squaredDistance(_ x: UnsafePointer<Double>, _ c: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for j in 0..<d { let t = x[j] - c[j]; s += t * t }
        return s
    }
}
