import DiscaAlignment
import DiscaCore
import DiscaIO
import Foundation

/// The alignment stage after the loop (docs/algorithm.md section 12): the settings `refine.*`, the local
/// subtomograms on the working box, and the refined labels, poses and class averages.
public enum ClassRefinement {
    /// The alignment settings of `refine.*` for subtomograms of `box`^3 (the working box is never larger).
    public static func options(_ config: DiscaConfig, inputBox box: Int) -> AlignmentSettings {
        var o = AlignmentSettings()
        let r = config.refine
        o.rounds = r.rounds
        o.box = min(r.box, box)
        o.rotations = r.rotations
        o.maxShift = min(r.maxShift, max(0, (o.box - 1) / 4))   // below a quarter of the box actually used
        o.tiltDegrees = r.tiltDegrees
        o.lowPassFraction = r.lowPass
        o.mergeSeparation = r.mergeSeparation
        o.smallestClassFraction = r.smallestClass
        o.alignOnlyRounds = r.alignOnlyRounds
        return o
    }

    /// Collective: this rank's rows of `source`, each Fourier-cropped to the working box and normalised.
    public static func workingParticles(_ source: SubtomogramSource, rows: Range<Int>, box: WorkingBox,
                                        blockRows: Int) throws -> [Float] {
        var out = [Float]()
        out.reserveCapacity(rows.count * box.voxels)
        let v = source.voxelsPerSubtomogram, d = source.boxVoxels
        try source.forEachBlock(rows: rows, blockRows: blockRows) { block, x in
            for i in 0..<block.count {
                out += box.particle(UnsafeBufferPointer(start: x + i * v, count: v), box: d)
            }
        }
        return out
    }

    /// Collective: the refinement of `labels` (this rank's rows, classes 0..<k).
    public static func run(_ source: SubtomogramSource, labels: [Int32], k: Int, config: DiscaConfig, seed: UInt64,
                           comm: Communicator, log: @escaping (String) -> Void) throws -> RefinementResult {
        var refinement = MultiReferenceRefinement(options: options(config, inputBox: source.boxVoxels))
        refinement.log = log
        let mine = comm.rows(of: source.count)
        let particles = try workingParticles(source, rows: mine, box: refinement.search.workingBox,
                                             blockRows: config.input.readRows)
        return try refinement.run(particles: particles, firstRow: mine.lowerBound, totalRows: source.count,
                                  labels: labels, k: k, subclasses: subclasses(k: k, config), seed: seed, comm: comm)
    }

    /// Sub-classes per starting class: `refine.subclasses`, or more so that K * subclasses >= `refine.start_classes`.
    public static func subclasses(k: Int, _ config: DiscaConfig) -> Int {
        max(config.refine.subclasses, (config.refine.startClasses + max(k, 1) - 1) / max(k, 1))
    }

    /// The datasets the refinement adds to a result file: `/labels_network` (the labels it started from),
    /// `/class_averages` (K, b, b, b) on the working box, `/alignment_rotations` (N, 3, 3: the rotation R of each
    /// subtomogram's class average onto it) and `/alignment_shifts` (N, 3: x, y, z in working-box voxels),
    /// `/alignment_scores` (N). Rows are this rank's.
    public static func write(_ result: RefinementResult, startLabels: [Int32], rows: Range<Int>, count n: Int,
                             options o: AlignmentSettings, to f: HDF5File) throws {
        let b = o.box
        let grid = RotationGrid(count: o.rotations), shifts = o.shifts
        try f.createDataset("/labels_network", type: .int32, shape: [n], chunk: [min(n, 65536)])
        try f.writeRows("/labels_network", rows: rows, data: startLabels)
        try f.createDataset("/alignment_rotations", type: .float32, shape: [n, 3, 3], chunk: [min(n, 4096), 3, 3])
        try f.writeRows("/alignment_rotations", rows: rows, data: result.matches.flatMap { m in
            grid.rotations[Int(m.rotation)].m.map { Float($0) } })
        try f.createDataset("/alignment_shifts", type: .float32, shape: [n, 3], chunk: [min(n, 4096), 3])
        try f.writeRows("/alignment_shifts", rows: rows, data: result.matches.flatMap { m -> [Float] in
            let s = shifts[Int(m.shift)]
            return [Float(s.x), Float(s.y), Float(s.z)] })
        try f.createDataset("/alignment_scores", type: .float32, shape: [n], chunk: [min(n, 65536)])
        try f.writeRows("/alignment_scores", rows: rows, data: result.matches.map { $0.score })
        try f.createDataset("/class_averages", type: .float32, shape: [result.k, b, b, b], chunk: [1, b, b, b])
        try f.writeRows("/class_averages", rows: 0..<(rows.lowerBound == 0 ? result.k : 0),
                        data: rows.lowerBound == 0 ? result.averages.flatMap { $0 } : [])
    }
}
