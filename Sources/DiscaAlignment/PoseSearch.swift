import DiscaCore
import DiscaGeometry
import DiscaNumerics
import Dispatch
import Foundation

/// The best pose of one subtomogram for one class: its score and where it was found.
public struct PoseMatch: Sendable, Equatable {
    /// <particle, unit template>: the least-squares amplitude of the template in the particle.
    public var score: Float = -.infinity
    public var rotation: Int32 = -1
    public var shift: Int32 = -1

    /// No match yet (score -inf).
    public init() {}
    init(score: Float, rotation: Int32, shift: Int32) { self.score = score; self.rotation = rotation; self.shift = shift }
}

/// Exhaustive search of every (class, rotation, shift) for every local subtomogram: templates are built in blocks
/// of rotations and scored against all subtomograms at once as one sgemm, scores (n, K * rotations * shifts) =
/// particles (n, V) x templates (K * rotations * shifts, V)^T. The scores are correlations with unit-norm,
/// wedge-filtered templates, i.e. the matched filter of each hypothesis; the best per class is kept.
public struct PoseSearch {
    public let workingBox: WorkingBox
    public let grid: RotationGrid
    public let options: AlignmentSettings

    public init(options: AlignmentSettings, workingBox: WorkingBox, grid: RotationGrid) {
        self.options = options
        self.workingBox = workingBox
        self.grid = grid
    }

    /// What a rotated reference is seen through: the particles' missing wedge and the band limit (subtomograms),
    /// or the band limit alone (another class average, whose orientations filled Fourier space).
    public enum TemplateFilter: Sendable { case wedgeAndLowPass, lowPassOnly }

    /// (n, K) best matches of the n local particles (row-major, V values each) against the K references.
    public func search(particles: [Float], count n: Int, references: [Volume],
                       filter: TemplateFilter = .wedgeAndLowPass) -> [PoseMatch] {
        let k = references.count, v = workingBox.voxels
        let shifts = options.shifts, s = shifts.count
        var best = [PoseMatch](repeating: PoseMatch(), count: n * k)
        guard n > 0, k > 0 else { return best }
        let block = max(1, options.rotationsPerBlock)
        let threads = options.threads > 0 ? options.threads : max(1, BLAS.threads)
        for start in stride(from: 0, to: grid.count, by: block) {
            let rb = min(block, grid.count - start)
            let m = k * rb * s   // templates in this block, ordered (class, rotation, shift)
            var templates = [Float](repeating: 0, count: m * v)
            templates.withUnsafeMutableBufferPointer { t in
                let base = t.baseAddress!
                BLAS.singleThreaded {
                    concurrentPerform(k * rb, threads: threads) { item in
                        let c = item / rb, r = item % rb
                        let unit = workingBox.template(references[c], rotation: grid.rotations[start + r],
                                                       wedge: filter == .wedgeAndLowPass)
                        for (j, shift) in shifts.enumerated() {
                            workingBox.shifted(unit, by: shift, into: base + ((c * rb + r) * s + j) * v)
                        }
                    }
                }
            }
            var scores = [Float](repeating: 0, count: n * m)
            particles.withUnsafeBufferPointer { p in
                templates.withUnsafeBufferPointer { t in
                    scores.withUnsafeMutableBufferPointer { out in
                        BLAS.sgemm(transB: true, m: n, n: m, k: v, a: p.baseAddress!, lda: v, b: t.baseAddress!,
                                   ldb: v, c: out.baseAddress!, ldc: m)
                    }
                }
            }
            scores.withUnsafeBufferPointer { sc in
                for i in 0..<n {
                    let row = sc.baseAddress! + i * m
                    for c in 0..<k {
                        var b = best[i * k + c]
                        for r in 0..<rb {
                            let seg = row + (c * rb + r) * s
                            for j in 0..<s where seg[j] > b.score {
                                b = PoseMatch(score: seg[j], rotation: Int32(start + r), shift: Int32(j))
                            }
                        }
                        best[i * k + c] = b
                    }
                }
            }
        }
        return best
    }

    /// A particle brought back into its class's frame: the inverse of the template's transform, so that it lines
    /// up with the reference (content rotated by R^T after undoing the shift; see `VolumeTransform`).
    public func aligned(_ particle: [Float], match: PoseMatch) -> [Float] {
        let n = workingBox.box
        let r = grid.rotations[Int(match.rotation)].transposed
        let t = options.shifts[Int(match.shift)]
        let back = r.apply(-Double(t.x), -Double(t.y), -Double(t.z))
        return Volume(depth: n, height: n, width: n, data: particle)
            .transformed(VolumeTransform(rotation: r, shift: (back.x, back.y, back.z)), depth: n, height: n, width: n)
            .data
    }
}

/// Runs body(0..<count) on up to `threads` threads (items interleaved; each must write only its own output).
func concurrentPerform(_ count: Int, threads: Int, _ body: (Int) -> Void) {
    let t = max(1, min(threads, count))
    if t == 1 { for i in 0..<count { body(i) }; return }
    withoutActuallyEscaping(body) { body in
        DispatchQueue.concurrentPerform(iterations: t) { w in
            var i = w
            while i < count { body(i); i += t }
        }
    }
}
