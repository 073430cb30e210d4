import ArgumentParser
import DiscaAlignment
import DiscaCore
import DiscaIO
import DiscaSimulation
import DiscaTomography
import Foundation

/// `disca average`: per-class maps to look at (docs/interfaces.md): `class_NNN.mrc` (plain average, D^3) and
/// `class_NNN_aligned.mrc` (after rotational alignment to the class average, on the alignment box), voxel sizes in
/// the headers, and `montage.png` (one row per class: plain | aligned, each as central xy | xz slices).
struct AverageCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "average",
        abstract: "Average each class (plain and rotationally aligned) into MRC maps and a PNG montage.")

    @Option(help: "result.h5 of a run (or its run directory).") var result: String
    @Option(help: "The particles file the run classified.") var input: String
    @Option(help: "Folder for the maps (created; must be empty unless --force).") var outputDir: String
    @Option(help: "Rounds of alignment to the class average (0: plain averages only).") var alignRounds: Int = 3
    @Option(help: "Rotations searched per round.") var rotations: Int = 500
    @Option(help: "Alignment box (voxels; subtomograms are Fourier-cropped to it).") var alignBox: Int = 24
    @Option(help: "Largest shift searched, in alignment-box voxels.") var maxShift: Int = 1
    @Option(help: "Tilt range of the data in degrees (for the wedge-aware match).") var tilt: Double = 60
    @Option(help: "Threads per rank.") var threads: Int = 1
    @Flag(help: "Write into a folder that is not empty.") var force = false

    func validate() throws {
        if alignRounds < 0 { throw ValidationError("--align-rounds must not be negative") }
        if rotations < 1 { throw ValidationError("--rotations must be at least 1") }
        if alignBox < 8 { throw ValidationError("--align-box must be at least 8") }
        if maxShift < 0 { throw ValidationError("--max-shift must not be negative") }
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        try comm.collectively { try OutputGuard.prepareFolder(outputDir, inputs: [result, input], force: force) }
        let (provenanceVoxel, box, labels, k) = try comm.collectively { () -> (Double, Int, [Int], Int) in
            let file = try HDF5File.open(input)
            defer { try? file.close() }
            let shape = try file.requireDataset("/subtomograms", rank: 4, floatingPoint: true, meaning: "(N, D, D, D) subtomograms")
            let voxel = file.hasAttribute("voxel_size") ? try file.doubleAttribute("voxel_size") : 1
            let (labels, k) = try ResultLabels.read(result, expectedCount: shape[0], particles: input)
            return (voxel, shape[1], labels, k)
        }
        let n = labels.count
        let mine = comm.rows(of: n)
        let particles: [Float] = try comm.collectively {
            let file = try HDF5File.open(input, comm: comm)
            defer { try? file.close() }
            return try file.readRows("/subtomograms", rows: mine)
        }
        var settings = AlignmentSettings()
        settings.box = min(alignBox, box); settings.rotations = rotations; settings.maxShift = maxShift
        settings.tiltDegrees = tilt; settings.threads = threads
        let maps = try ClassMaps.compute(particles: particles, count: mine.count, firstRow: mine.lowerBound, box: box,
                                         labels: labels[mine].map { Int32($0) }, classes: k, settings: settings,
                                         rounds: alignRounds, comm: comm, log: context.say)
        let alignedVoxel = provenanceVoxel * Double(box) / Double(maps.alignedBox)
        let error: Error? = comm.rank == 0 ? catching {
            try FileManager.default.createDirectory(atPath: outputDir, withIntermediateDirectories: true)
            let folder = URL(fileURLWithPath: outputDir)
            var rows: [[[Float]]] = []
            for c in 0..<k where maps.counts[c] > 0 {
                let b = maps.alignedBox
                try MRCFile.write(folder.appendingPathComponent(String(format: "class_%03d.mrc", c + 1)).path,
                                  data: maps.plain[c], shape: [box, box, box], voxelSizeAngstrom: provenanceVoxel,
                                  labels: ["disca average: class \(c + 1), \(maps.counts[c]) particles, plain"])
                if alignRounds > 0 {
                    try MRCFile.write(folder.appendingPathComponent(String(format: "class_%03d_aligned.mrc", c + 1)).path,
                                      data: maps.aligned[c], shape: [b, b, b], voxelSizeAngstrom: alignedVoxel,
                                      labels: ["disca average: class \(c + 1), \(maps.counts[c]) particles, aligned"])
                }
                // Montage tiles on one box: the aligned map is shown on its own box, padded to D when smaller.
                var row = [Self.standardized(maps.plain[c])]
                if alignRounds > 0 { row.append(Self.standardized(Self.padded(maps.aligned[c], from: b, to: box))) }
                rows.append(row)
            }
            try PNGWriter.write(Montage.image(rows: rows, box: box), to: folder.appendingPathComponent("montage.png").path)
        } : nil
        try comm.agree(error)
        for c in 0..<k {
            context.say("average: class \(c + 1): \(maps.counts[c]) particles"
                        + (alignRounds > 0 ? String(format: ", half-set reliability %.3f", maps.reliabilities[c]) : ""))
        }
        context.say("average: wrote \(outputDir)/class_NNN.mrc" + (alignRounds > 0 ? ", class_NNN_aligned.mrc" : "")
                    + " and montage.png (rows: classes; tiles: plain | aligned, each xy | xz)")
    }

    /// Mean 0, SD 1 (a constant map stays 0).
    static func standardized(_ x: [Float]) -> [Float] {
        var s = 0.0, q = 0.0
        for v in x { s += Double(v); q += Double(v) * Double(v) }
        let n = Double(max(1, x.count)), m = s / n, sd = (max(0, q / n - m * m)).squareRoot()
        return x.map { sd > 0 ? Float((Double($0) - m) / sd) : 0 }
    }

    /// A b^3 map centred in a D^3 box of zeros (b <= D).
    static func padded(_ x: [Float], from b: Int, to d: Int) -> [Float] {
        guard b < d else { return x }
        var out = [Float](repeating: 0, count: d * d * d)
        let o = (d - b) / 2
        for z in 0..<b { for y in 0..<b { for xx in 0..<b { out[((z + o) * d + y + o) * d + xx + o] = x[(z * b + y) * b + xx] } } }
        return out
    }
}
