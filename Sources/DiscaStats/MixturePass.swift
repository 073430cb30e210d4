import DiscaCore
import DiscaNumerics
import Dispatch

/// One pass over this rank's rows, in parallel over `threads` static chunks (each chunk's partial sums are added in
/// chunk order, so a pass is deterministic for a given thread count), each chunk in blocks of rows small enough that
/// OpenBLAS runs every dgemm single-threaded (its threshold is m n k <= 4 * 65536), so the threads do not nest.
enum MixturePass {
    /// Rows per block for K components of augmented width S: 64 (measured best for d = 16: the block's augmented
    /// rows stay in L1/L2 and OpenBLAS's transposed product is fastest there), fewer for very large K.
    static func blockRows(components k: Int, width s: Int) -> Int { max(8, min(64, 262_144 / max(1, k * s))) }

    /// Runs `body(chunk, rows)` for `threads` even chunks of `0..<rows` (fewer for small inputs).
    static func chunks(rows: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) -> Int {
        let t = max(1, min(threads, rows / 2048 + 1))
        let partition = RowPartition(count: rows, parts: t)
        if t == 1 { body(0, 0..<rows) } else { DispatchQueue.concurrentPerform(iterations: t) { body($0, partition.range(of: $0)) } }
        return t
    }

    /// Calls `body(start, count, z)` for consecutive blocks of `range`, z (count, S) the augmented rows of the
    /// block, built into `scratch` (blockRows * S).
    static func forEachBlock(_ data: MixtureData, _ range: Range<Int>, blockRows: Int,
                             scratch: UnsafeMutablePointer<Double>,
                             _ body: (Int, Int, UnsafePointer<Double>) -> Void) {
        let d = data.dims
        data.centred.withUnsafeBufferPointer { x in
            var start = range.lowerBound
            while start < range.upperBound {
                let b = min(blockRows, range.upperBound - start)
                AugmentedRows.fill(scratch, x.baseAddress! + start * d, rows: b, dims: d)
                body(start, b, UnsafePointer(scratch))
                start += b
            }
        }
    }

    /// Sums the per-chunk partials (chunk order) into one array.
    private static func combine(_ partials: UnsafeMutablePointer<Double>, chunks: Int, length: Int) -> [Double] {
        var out = [Double](repeating: 0, count: length)
        for c in 0..<chunks { for i in 0..<length { out[i] += partials[c * length + i] } }
        return out
    }

    /// E-step and statistics of one EM step: returns this rank's K * S sufficient statistics followed by the sum of
    /// the rows' log-likelihoods (K * S + 1 values), ready for one allreduce.
    static func emStep(_ data: MixtureData, _ kernel: MixtureKernel, threads: Int) -> [Double] {
        let k = kernel.components, s = AugmentedRows.width(data.dims), length = k * s + 1
        let b = blockRows(components: k, width: s)
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: length * max(threads, 1))
        partials.initialize(repeating: 0, count: length * max(threads, 1))
        defer { partials.deallocate() }
        let used = chunks(rows: data.localCount, threads: threads) { chunk, range in
            let acc = partials + chunk * length
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: b * s + b * k)
            defer { scratch.deallocate() }
            let resp = scratch + b * s
            var logLikelihood = 0.0
            forEachBlock(data, range, blockRows: b, scratch: scratch) { _, rows, z in
                kernel.logDensities(resp, z, rows: rows)
                logLikelihood += MixtureKernel.normalizeRows(resp, rows: rows, components: k)
                // acc (K, S) += resp^T (K, rows) @ z (rows, S)
                BLAS.dgemm(transA: true, m: k, n: s, k: rows, a: resp, lda: k, b: z, ldb: s, beta: 1, c: acc, ldc: s)
            }
            acc[k * s] = logLikelihood
        }
        return combine(partials, chunks: used, length: length)
    }

    /// Statistics of given responsibilities (initialisation): `fill(globalRow, row)` writes the K responsibilities
    /// of one row. Returns this rank's K * S statistics.
    static func statistics(_ data: MixtureData, components k: Int, threads: Int,
                           fill: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let s = AugmentedRows.width(data.dims), length = k * s
        let b = blockRows(components: k, width: s)
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: length * max(threads, 1))
        partials.initialize(repeating: 0, count: length * max(threads, 1))
        defer { partials.deallocate() }
        let used = chunks(rows: data.localCount, threads: threads) { chunk, range in
            let acc = partials + chunk * length
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: b * s + b * k)
            defer { scratch.deallocate() }
            let resp = scratch + b * s
            forEachBlock(data, range, blockRows: b, scratch: scratch) { start, rows, z in
                for r in 0..<rows { fill(data.firstRow + start + r, resp + r * k) }
                BLAS.dgemm(transA: true, m: k, n: s, k: rows, a: resp, lda: k, b: z, ldb: s, beta: 1, c: acc, ldc: s)
            }
        }
        return combine(partials, chunks: used, length: length)
    }

    /// Log-likelihood sum of this rank's rows; optionally each row's label (argmax posterior) and posteriors
    /// (localCount, K).
    static func score(_ data: MixtureData, _ kernel: MixtureKernel, threads: Int,
                      labels: UnsafeMutablePointer<Int32>?, posterior: UnsafeMutablePointer<Float>?) -> Double {
        let k = kernel.components, s = AugmentedRows.width(data.dims)
        let b = blockRows(components: k, width: s)
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: max(threads, 1))
        partials.initialize(repeating: 0, count: max(threads, 1))
        defer { partials.deallocate() }
        let used = chunks(rows: data.localCount, threads: threads) { chunk, range in
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: b * s + b * k)
            defer { scratch.deallocate() }
            let resp = scratch + b * s
            var logLikelihood = 0.0
            forEachBlock(data, range, blockRows: b, scratch: scratch) { start, rows, z in
                kernel.logDensities(resp, z, rows: rows)
                logLikelihood += MixtureKernel.normalizeRows(resp, rows: rows, components: k,
                                                             labels: labels.map { $0 + start })
                if let posterior {
                    for i in 0..<(rows * k) { posterior[start * k + i] = Float(resp[i]) }
                }
            }
            partials[chunk] = logLikelihood
        }
        var total = 0.0
        for c in 0..<used { total += partials[c] }
        return total
    }
}
