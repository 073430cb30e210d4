import DiscaCore
import DiscaNumerics
import Dispatch

/// One pass over this rank's rows, in parallel over `threads` static chunks (each chunk's partial sums are added in
/// chunk order, so a pass is deterministic for a given thread count), each chunk in blocks of rows; OpenBLAS is
/// held to one thread during a pass, so its threads do not nest inside ours.
enum MixturePass {
    /// Rows per block: 64 (measured best for d = 16, from 1 to 1,000 columns: the block's augmented rows and a
    /// column group's responsibilities stay in L2, and OpenBLAS's transposed product is fastest there).
    static let blockRows = 64

    /// Runs `body(chunk, rows)` for `threads` even chunks of `0..<rows` (fewer for small inputs).
    static func chunks(rows: Int, threads: Int, _ body: (Int, Range<Int>) -> Void) -> Int {
        let t = max(1, min(threads, rows / 2048 + 1))
        let partition = RowPartition(count: rows, parts: t)
        BLAS.singleThreaded {
            if t == 1 { body(0, 0..<rows) } else { DispatchQueue.concurrentPerform(iterations: t) { body($0, partition.range(of: $0)) } }
        }
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

    /// The columns of a kernel in groups of whole segments of at most `groupColumns` columns each (a wider segment
    /// is a group alone): each block of augmented rows is built once and used by every group, while a group's
    /// responsibilities stay in cache.
    struct ColumnGroup {
        let columns: Range<Int>
        /// Indices into the kernel's segments.
        let segmentIndices: Range<Int>
        /// The segments relative to the group's first column.
        let segments: [MixtureKernel.Segment]
    }

    static let groupColumns = 256

    static func columnGroups(_ kernel: MixtureKernel, limit: Int = groupColumns) -> [ColumnGroup] {
        var out: [ColumnGroup] = []
        var first = 0
        while first < kernel.segments.count {
            var last = first + 1
            let start = kernel.segments[first].offset
            while last < kernel.segments.count && kernel.segments[last].range.upperBound - start <= limit { last += 1 }
            let end = kernel.segments[last - 1].range.upperBound
            out.append(ColumnGroup(columns: start..<end, segmentIndices: first..<last,
                                   segments: kernel.segments[first..<last].map {
                                       MixtureKernel.Segment(offset: $0.offset - start, count: $0.count)
                                   }))
            first = last
        }
        return out
    }

    /// E-step and statistics of one EM step of every mixture in the kernel: returns this rank's C * S sufficient
    /// statistics (the mixtures' K * S blocks in order) followed by each mixture's sum of the rows'
    /// log-likelihoods (C * S + mixtures values), ready for one allreduce.
    static func emStep(_ data: MixtureData, _ kernel: MixtureKernel, threads: Int,
                       groupColumns: Int = groupColumns) -> [Double] {
        eStep(data, kernel, threads: threads, groupColumns: groupColumns, statistics: true)
    }

    /// Each mixture's sum of the log-likelihoods of this rank's rows (one value per segment of the kernel).
    static func logLikelihoods(_ data: MixtureData, _ kernel: MixtureKernel, threads: Int) -> [Double] {
        eStep(data, kernel, threads: threads, groupColumns: groupColumns, statistics: false)
    }

    /// The E-step over this rank's rows: [statistics (C * S) when asked for, log-likelihood per mixture].
    private static func eStep(_ data: MixtureData, _ kernel: MixtureKernel, threads: Int, groupColumns: Int,
                              statistics: Bool) -> [Double] {
        let c = kernel.components, s = AugmentedRows.width(data.dims)
        let statisticsLength = statistics ? c * s : 0, length = statisticsLength + kernel.segments.count
        let groups = columnGroups(kernel, limit: groupColumns)
        let widest = groups.map { $0.columns.count }.max()!
        let b = blockRows
        let partials = UnsafeMutablePointer<Double>.allocate(capacity: length * max(threads, 1))
        partials.initialize(repeating: 0, count: length * max(threads, 1))
        defer { partials.deallocate() }
        let used = chunks(rows: data.localCount, threads: threads) { chunk, range in
            let acc = partials + chunk * length
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: b * s + b * widest)
            defer { scratch.deallocate() }
            let resp = scratch + b * s
            forEachBlock(data, range, blockRows: b, scratch: scratch) { _, rows, z in
                for g in groups {
                    let w = g.columns.count
                    kernel.logDensities(resp, z, rows: rows, columns: g.columns)
                    MixtureKernel.normalizeRows(resp, rows: rows, columns: w, segments: g.segments,
                                                logLikelihoods: acc + statisticsLength + g.segmentIndices.lowerBound)
                    if statistics {
                        // acc (w, S) += resp^T (w, rows) @ z (rows, S)
                        BLAS.dgemm(transA: true, m: w, n: s, k: rows, a: resp, lda: w, b: z, ldb: s, beta: 1,
                                   c: acc + g.columns.lowerBound * s, ldc: s)
                    }
                }
            }
        }
        return combine(partials, chunks: used, length: length)
    }

    /// Statistics of given responsibilities (initialisation): `fill(globalRow, row)` writes the K responsibilities
    /// of one row. Returns this rank's K * S statistics.
    static func statistics(_ data: MixtureData, components k: Int, threads: Int,
                           fill: (Int, UnsafeMutablePointer<Double>) -> Void) -> [Double] {
        let s = AugmentedRows.width(data.dims), length = k * s
        let b = blockRows
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
        let b = blockRows
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
