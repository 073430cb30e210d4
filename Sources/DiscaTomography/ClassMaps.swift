import DiscaAlignment
import DiscaCore
import DiscaGeometry
import Foundation

/// Per-class averages of subtomograms, plain and after rotational alignment to the class average
/// (docs/algorithm.md, "Class maps"), on the rows each rank holds; sums are allreduced, so every rank ends with
/// the same maps.
///
/// Aligned: the plain average of each class is the first reference; each round every member is matched to its own
/// class's reference over the rotation grid and the shifts (`PoseSearch`, wedge-aware) and averaged back in the
/// reference's frame (`ClassAverages`); the new averages are the next references. Alignment runs on the working
/// box of the alignment settings (a Fourier crop of the subtomograms when they are larger).
public struct ClassMaps {
    /// (K) plain averages, D^3 each (empty classes all zero).
    public var plain: [[Float]]
    /// (K) aligned averages on the working box, b^3 each.
    public var aligned: [[Float]]
    public var counts: [Int]
    /// Half-set reliability of each aligned average (`ClassAverages.reliabilities`).
    public var reliabilities: [Double]
    public var alignedBox: Int

    /// `particles` (n, D^3) rows `firstRow ..<` with their labels in 0..<k.
    public static func compute(particles: [Float], count n: Int, firstRow: Int, box d: Int, labels: [Int32], classes k: Int,
                               settings: AlignmentSettings, rounds: Int, comm: Communicator,
                               log: (String) -> Void = { _ in }) throws -> ClassMaps {
        let v = d * d * d
        let threads = max(1, settings.threads)
        let plainSums = try ClassAverages(particles: particles, count: n, firstRow: firstRow, labels: labels, classes: k,
                                          voxels: v, threads: threads, align: nil, comm: comm)
        let counts = plainSums.counts.map(Int.init)
        let plain = (0..<k).map { c -> [Float] in
            let s = plainSums.sum(c), m = Float(max(1, counts[c]))
            return s.map { $0 / m }
        }
        let workingBox = WorkingBox(options: settings)
        let b = workingBox.box
        let search = PoseSearch(options: settings, workingBox: workingBox, grid: RotationGrid(count: settings.rotations))
        var small = [Float](repeating: 0, count: n * b * b * b)
        particles.withUnsafeBufferPointer { p in
            for i in 0..<n {
                let w = workingBox.particle(UnsafeBufferPointer(rebasing: p[(i * v)..<((i + 1) * v)]), box: d)
                small.replaceSubrange((i * b * b * b)..<((i + 1) * b * b * b), with: w)
            }
        }
        var sums = try ClassAverages(particles: small, count: n, firstRow: firstRow, labels: labels, classes: k,
                                     voxels: b * b * b, threads: threads, align: nil, comm: comm)
        for round in 0..<rounds {
            let references = sums.references(workingBox).map { Volume(depth: b, height: b, width: b, data: $0) }
            // Each member is matched to its own class's reference only: one search per class on its members.
            var matches = [PoseMatch](repeating: PoseMatch(), count: n)
            let w = b * b * b
            for c in 0..<k {
                let members = (0..<n).filter { Int(labels[$0]) == c }
                guard !members.isEmpty else { continue }
                var mine = [Float](repeating: 0, count: members.count * w)
                for (j, i) in members.enumerated() { mine.replaceSubrange((j * w)..<((j + 1) * w), with: small[(i * w)..<((i + 1) * w)]) }
                let found = search.search(particles: mine, count: members.count, references: [references[c]])
                for (j, i) in members.enumerated() { matches[i] = found[j] }
            }
            sums = try ClassAverages(particles: small, count: n, firstRow: firstRow, labels: labels, classes: k,
                                     voxels: w, threads: threads, align: { i in
                                         search.aligned(Array(small[(i * w)..<((i + 1) * w)]), match: matches[i])
                                     }, comm: comm)
            var score = 0.0
            for i in 0..<n { score += Double(matches[i].score) }
            let total = try comm.allreduce(score, .sum)
            log("average: alignment round \(round + 1)/\(rounds): mean score \(String(format: "%.4f", total / Double(max(1, counts.reduce(0, +)))))")
        }
        let aligned = (0..<k).map { c -> [Float] in
            let s = sums.sum(c), m = Float(max(1, counts[c]))
            return s.map { $0 / m }
        }
        return ClassMaps(plain: plain, aligned: aligned, counts: counts, reliabilities: sums.reliabilities(workingBox),
                         alignedBox: b)
    }
}
