import ArgumentParser
import DiscaCore
import DiscaGeometry
import DiscaIO
import DiscaSimulation
import DiscaTomography
import Foundation

/// `disca simulate-tomogram`: a crowded synthetic tomogram with its ground truth (docs/interfaces.md).
///
/// Rank 0 simulates and writes (the tomogram is held in memory; the size is capped at 2^28 voxels); the other ranks
/// wait for the agreed outcome. Outputs: the tomogram (MRC float32, voxel size in the header) and the truth as a
/// STAR file in the RELION 3 convention (rlnTomoName, rlnCoordinateX/Y/Z in tomogram voxels, rlnClassNumber =
/// true class, 1-based, and discaStructureName).
struct SimulateTomogramCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "simulate-tomogram",
        abstract: "Write a crowded synthetic tomogram (MRC) of phantoms or density maps with its ground-truth STAR.",
        discussion: """
            Particles are placed at random without overlap (largest first), turned uniformly at random, summed, \
            multiplied by the CTF, given white noise, and both lose the missing wedge (tilt about y, beam along z); \
            the noise is scaled so that the signal variance in a --snr-box cube around each particle over the noise \
            variance is --snr. Protein is dark, as in real tomograms.
            """)

    @Option(help: "Output tomogram (MRC).") var output: String
    @Option(help: "Output ground truth (STAR).") var truth: String
    @Option(parsing: .upToNextOption, help: "Density maps (MRC), one class per map; default: built-in phantoms.")
    var structures: [String] = []
    @Option(help: "Built-in phantoms, comma-separated (default: ring,barrel,dumbbell,rod,tetrahedron).")
    var phantoms: String?
    @Option(help: "Tomogram size in voxels, X,Y,Z.") var size: String = "256,256,96"
    @Option(help: "Voxel size in angstrom.") var voxelSize: Double = 15
    @Option(help: "Particles per class.") var perClass: Int = 20
    @Option(help: "Signal-to-noise ratio; 'inf' for none.") var snr: Double = 0.1
    @Option(help: "Cube (voxels) about each particle on which the signal variance is measured.") var snrBox: Int = 24
    @Option(help: "Tilt range in degrees (+-DEG about y).") var tilt: Double = 60
    @OptionGroup var microscope: MicroscopeOptions
    @Option(help: "Smallest gap between particles in angstrom.") var gap: Double = 10
    @Option(help: "Name of the tomogram in the STAR (default: the output's file name without .mrc).") var name: String?
    @Option(help: "Random seed.") var seed: Int = 0
    @Option(help: "Threads for sampling the particles.") var threads: Int = 1
    @Flag(help: "Replace existing outputs.") var force = false

    func parameters() throws -> TomogramSimulationParameters {
        let parts = size.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let x = parts[0], let y = parts[1], let z = parts[2] else {
            throw ValidationError("--size must be X,Y,Z in voxels (got '\(size)')")
        }
        var p = TomogramSimulationParameters()
        p.sizeVoxels = (x, y, z); p.voxelSizeAngstrom = voxelSize; p.perClass = perClass; p.snr = snr
        p.snrBoxVoxels = snrBox; p.tiltDegrees = tilt; p.applyCTF = !microscope.noCtf; p.gapAngstrom = gap
        p.ctf = microscope.ctf
        p.seed = UInt64(bitPattern: Int64(seed))
        if let problem = p.validationProblem() { throw ValidationError(problem) }
        return p
    }

    func validate() throws {
        _ = try parameters()
        if threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if snrBox < 4 { throw ValidationError("--snr-box must be at least 4 voxels (got \(snrBox))") }
        if !structures.isEmpty && phantoms != nil { throw ValidationError("give either --structures or --phantoms, not both") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let p = try parameters()
        try comm.collectively {
            try OutputGuard.check(outputs: [output, truth], inputs: structures, force: force)
            if OutputGuard.canonical(output) == OutputGuard.canonical(truth) {
                throw DiscaError.badInput("--output and --truth name the same file \(output)")
            }
        }
        let sources: [ClassSource] = try comm.collectively {
            if !structures.isEmpty { return try structures.map { try ClassSource.mrc($0) } }
            let names = phantoms.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            return try (names ?? Phantom.defaultSet.map(\.name)).map { name in
                guard let phantom = Phantom.named(name) else {
                    throw DiscaError.badInput("unknown phantom '\(name)' (known: \(Phantom.all.map(\.name).joined(separator: ", ")))")
                }
                return .phantom(phantom)
            }
        }
        let tomogramName = name ?? Self.stem(output)
        var outcome: (placed: Int, leftOut: Int, snr: Double, seconds: Double)?
        let error: Error? = comm.rank == 0 ? catching {
            let start = Date()
            let radii = sources.map { $0.extentRadiusAngstrom() }
            var imaging = ImagingParameters()
            imaging.voxelSizeAngstrom = p.voxelSizeAngstrom
            // Phantoms are rendered on a cube of 2 * box at half the voxel size: make it hold the largest.
            imaging.box = max(24, Int((2 * (radii.max() ?? 0) / p.voxelSizeAngstrom).rounded(.up)) + 4)
            let simulator = TomogramSimulator(classes: sources.map { $0.prepare(imaging) }, radiiAngstrom: radii,
                                              parameters: p)
            let (particles, leftOut) = simulator.placement()
            let density = simulator.density(particles, threads: threads)
            let (tomogram, achieved) = simulator.image(density: density, particles: particles)
            let s = p.sizeVoxels
            try MRCFile.write(output, data: tomogram, shape: [s.z, s.y, s.x], voxelSizeAngstrom: p.voxelSizeAngstrom,
                              labels: ["disca \(Disca.version) simulate-tomogram seed \(seed) snr \(snr)"])
            let description = TomogramDescription(name: tomogramName, path: output, sizeVoxels: s,
                                                  voxelSizeAngstrom: p.voxelSizeAngstrom)
            try Self.truthDocument(particles, names: sources.map(\.name), tomogram: description).write(to: truth)
            outcome = (particles.count, leftOut, achieved, Date().timeIntervalSince(start))
        } : nil
        try comm.agree(error)
        if let o = outcome {
            let s = p.sizeVoxels
            context.say("simulate-tomogram: \(o.placed) particles of \(sources.count) classes "
                        + "(\(sources.map(\.name).joined(separator: ", "))) in \(s.x) x \(s.y) x \(s.z) voxels at "
                        + "\(p.voxelSizeAngstrom) A/voxel, SNR \(String(format: "%.4g", o.snr)), tilt +-\(tilt)"
                        + (o.leftOut > 0 ? "; \(o.leftOut) found no room and were left out" : "")
                        + String(format: "; %.1f s", o.seconds))
            context.say("simulate-tomogram: wrote \(output) and \(truth)")
        }
    }

    /// The truth table: one row per particle, in placement order (disca's pick writer, with the true class).
    static func truthDocument(_ particles: [PlacedParticle], names: [String], tomogram: TomogramDescription) throws -> STARDocument {
        let picks = particles.enumerated().map { i, q in
            ParticlePick(tomogramIndex: 0, x: q.position.x, y: q.position.y, z: q.position.z, row: i)
        }
        return try ParticlePicks.document(picks: picks, tomograms: [tomogram], extraColumns: [
            ("rlnClassNumber", particles.map { String($0.classIndex + 1) }),
            ("discaStructureName", particles.map { names[$0.classIndex] }),
        ])
    }

    /// The file name without its folder and without a final `.mrc`.
    static func stem(_ path: String) -> String {
        let file = URL(fileURLWithPath: path).lastPathComponent
        return file.lowercased().hasSuffix(".mrc") ? String(file.dropLast(4)) : file
    }
}

/// The error `body` throws, or nil.
func catching(_ body: () throws -> Void) -> Error? {
    do { try body(); return nil } catch { return error }
}
