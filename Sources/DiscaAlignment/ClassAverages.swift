import DiscaCore
import DiscaGeometry

/// Sums of aligned subtomograms per class and per half (global row parity), allreduced over ranks, and what they
/// give: unit-norm references (low-passed, masked) and the reproducibility of each class's average.
public struct ClassAverages: Sendable {
    public let classes: Int
    public let voxels: Int
    /// (K, 2, V): the sums of each class's aligned members, even and odd global rows apart.
    public var sums: [Double]
    /// (K): members per class.
    public var counts: [Int64]

    /// Collective: every local particle (row-major (n, V)) added to its class, after `align(i)` (nil: as is).
    public init(particles: [Float], count n: Int, firstRow: Int, labels: [Int32], classes k: Int, voxels v: Int,
                threads: Int, align: ((Int) -> [Float])?, comm: Communicator) throws {
        classes = k
        voxels = v
        var s = [Double](repeating: 0, count: k * 2 * v)
        var c = [Int64](repeating: 0, count: k)
        // Back-rotation runs on threads, each into its own slice of one buffer of partial sums (no shared array
        // is written from two threads); the slices are then added in a fixed order.
        let t = max(1, min(threads, n))
        let size = k * 2 * v
        var partial = [Double](repeating: 0, count: t * size)
        partial.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            concurrentPerform(t, threads: t) { w in
                let mine = base + w * size
                var i = w
                while i < n {
                    let l = Int(labels[i])
                    if l >= 0 {
                        let x = align?(i) ?? Array(particles[(i * v)..<((i + 1) * v)])
                        let out = mine + (l * 2 + ((firstRow + i) & 1)) * v
                        for j in 0..<v { out[j] += Double(x[j]) }
                    }
                    i += t
                }
            }
        }
        for w in 0..<t { for j in 0..<size { s[j] += partial[w * size + j] } }
        for l in labels where l >= 0 { c[Int(l)] += 1 }
        try comm.allreduce(&s, .sum)
        try comm.allreduce(&c, .sum)
        sums = s
        counts = c
    }

    /// The sum of class c over both halves (h nil) or one half.
    public func sum(_ c: Int, half h: Int? = nil) -> [Float] {
        (0..<voxels).map { j in
            let a = sums[(c * 2) * voxels + j], b = sums[(c * 2 + 1) * voxels + j]
            return Float(h == nil ? a + b : h == 0 ? a : b)
        }
    }

    /// The unit-norm reference of every class (low-passed, masked; all zero for an empty class).
    public func references(_ box: WorkingBox) -> [[Float]] {
        (0..<classes).map { box.reference(fromSum: sum($0)) }
    }

    /// Reliability of each class's full average: the correlation rho of its two half averages (same frame, since
    /// both were aligned to the same reference), taken to the full set by Spearman-Brown, 2 rho / (1 + rho); 0 when
    /// a half is empty or rho <= 0.
    public func reliabilities(_ box: WorkingBox) -> [Double] {
        (0..<classes).map { c in
            let a = box.reference(fromSum: sum(c, half: 0)), b = box.reference(fromSum: sum(c, half: 1))
            var rho = 0.0
            for j in a.indices { rho += Double(a[j] * b[j]) }
            return rho > 0 ? 2 * rho / (1 + rho) : 0
        }
    }
}
