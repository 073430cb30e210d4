import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaTomography
import Foundation

/// `disca pick`: difference-of-Gaussians picking in tomograms, streaming over each in slabs; tomogram t is picked
/// by rank t mod size and the picks are gathered on rank 0, which writes one STAR (docs/interfaces.md).
struct PickCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "pick",
        abstract: "Pick particles in tomograms (difference of Gaussians) and write them as a STAR file.",
        discussion: """
            Output: a STAR in the RELION 3 / Warp convention (data_particles: rlnTomoName = the tomogram's file \
            name without .mrc, rlnCoordinateX/Y/Z in tomogram voxels from 0, rlnAutopickFigureOfMerit = the score \
            in standard deviations of the score volume), which `disca extract` reads back.
            """)

    @Option(parsing: .upToNextOption, help: "Tomograms (MRC).") var tomograms: [String]
    @Option(help: "Particle diameter in angstrom.") var particleDiameterAngstrom: Double
    @Option(help: "Output picks (STAR).") var output: String
    @Option(help: "Particles dark (cryo-ET, default) or bright.") var contrast: String = "dark"
    @Option(help: "Smallest distance between picks in angstrom (default 0.75 x the diameter).")
    var minDistanceAngstrom: Double?
    @Option(help: "Keep peaks above mean + THRESHOLD x SD of the score volume.") var threshold: Double = 3
    @Option(help: "At most this many picks per tomogram (best first).") var maxPicks: Int = 10_000
    @Option(help: "Drop picks whose centre is closer than this to a face of the tomogram (angstrom; default: the radius).")
    var edgeAngstrom: Double?
    @Option(help: "Memory for one slab of a tomogram and its filtered copies, in MB.") var blockMegabytes: Int = 512
    @Flag(help: "Replace an existing output.") var force = false

    func validate() throws {
        if tomograms.isEmpty { throw ValidationError("--tomograms needs at least one MRC file") }
        if !(particleDiameterAngstrom > 0) { throw ValidationError("--particle-diameter-angstrom must be positive") }
        if PickingSettings.Contrast(rawValue: contrast) == nil {
            throw ValidationError("--contrast must be dark or bright (got '\(contrast)')")
        }
        if maxPicks < 1 { throw ValidationError("--max-picks must be at least 1") }
        if blockMegabytes < 1 { throw ValidationError("--block-megabytes must be at least 1") }
        if let d = minDistanceAngstrom, !(d > 0) { throw ValidationError("--min-distance-angstrom must be positive") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let start = Date()
        try comm.collectively { try OutputGuard.check(outputs: [output], inputs: tomograms, force: force) }
        let readers = try comm.collectively { try tomograms.map { try MRCVolumeReader.open($0) } }
        let descriptions = try comm.collectively {
            try TomogramFiles.describe(tomograms, readers, requireCommonVoxelSize: false)
        }
        let voxels = descriptions.map(\.voxelSizeAngstrom)
        // Each rank picks its tomograms; a failure on one rank is agreed before the gather.
        var mine: [Int: [Pick]] = [:]
        let failure: Error? = catching {
            for t in stride(from: comm.rank, to: tomograms.count, by: comm.size) {
                mine[t] = try DoGPicker(settings(voxel: voxels[t])).pick(readers[t]).picks
            }
        }
        try comm.agree(failure)
        var counts = [Double](repeating: 0, count: tomograms.count)
        for (t, picks) in mine { counts[t] = Double(picks.count) }
        try comm.allreduce(&counts, .sum)
        let offsets = counts.reduce(into: [0]) { $0.append($0.last! + Int($1)) }
        var values = [Double](repeating: 0, count: 4 * offsets.last!)
        for (t, picks) in mine {
            for (k, p) in picks.enumerated() {
                let i = 4 * (offsets[t] + k)
                values[i] = p.position.x; values[i + 1] = p.position.y; values[i + 2] = p.position.z; values[i + 3] = p.score
            }
        }
        try comm.allreduce(&values, .sum)
        let error: Error? = comm.rank == 0 ? catching {
            var picks: [ParticlePick] = [], scores: [String] = []
            for t in tomograms.indices {
                for k in 0..<Int(counts[t]) {
                    let i = 4 * (offsets[t] + k)
                    picks.append(ParticlePick(tomogramIndex: t, x: values[i], y: values[i + 1], z: values[i + 2], row: picks.count))
                    scores.append(String(format: "%.3f", values[i + 3]))
                }
            }
            try ParticlePicks.document(picks: picks, tomograms: descriptions,
                                       extraColumns: [("rlnAutopickFigureOfMerit", scores)]).write(to: output)
        } : nil
        try comm.agree(error)
        for t in tomograms.indices {
            context.say("pick: \(tomograms[t]): \(Int(counts[t])) picks")
        }
        let rss = try comm.peakResidentMegabytesPerRank()
        context.say("peak RSS per rank (MB): \(rss.map(String.init).joined(separator: " "))")
        context.say(String(format: "pick: wrote %@ (%d picks from %d tomograms) in %.1f s", output, offsets.last!,
                           tomograms.count, Date().timeIntervalSince(start)))
    }

    func settings(voxel: Double) -> PickingSettings {
        let radius = particleDiameterAngstrom / 2 / voxel
        var s = PickingSettings(radiusVoxels: radius,
                                minimumDistanceVoxels: (minDistanceAngstrom ?? 0.75 * particleDiameterAngstrom) / voxel)
        s.contrast = PickingSettings.Contrast(rawValue: contrast) ?? .dark
        s.thresholdSD = threshold
        s.maximumPicks = maxPicks
        if let edgeAngstrom { s.edgeVoxels = edgeAngstrom / voxel }
        s.blockBytes = blockMegabytes << 20
        return s
    }
}
