import ArgumentParser
import DiscaCore
import DiscaGeometry
import DiscaIO
import DiscaSimulation
import Foundation

/// `disca simulate`: a labelled synthetic subtomogram set with known truth (docs/algorithm.md section 9).
///
/// Subtomogram i is a pure function of (seed, i), so each rank simulates and writes its own block of rows and the
/// file is the same for any number of ranks. Output: /subtomograms float32 (N, D, D, D) chunked per subtomogram,
/// /labels_true int32 (N), and every imaging parameter as a root attribute.
struct SimulateCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Write a labelled synthetic subtomogram set (built-in phantoms or density maps) with known truth.",
        discussion: """
            Each subtomogram: a class map rotated uniformly at random, shifted by up to --max-shift voxels per axis, \
            sampled at the voxel size, multiplied by the CTF, with white noise added and the missing wedge of a \
            single-axis tilt (about y, beam along z) applied to both, noise scaled so that signal variance / noise \
            variance = --snr on the box, then normalised to mean 0 and SD 1. Labels are --per-class copies of each \
            class in a seeded random order. Built-in phantoms: \(Phantom.all.map(\.name).joined(separator: ", ")).
            """)

    @Option(help: "Output HDF5 file (/subtomograms, /labels_true).") var output: String
    @Option(parsing: .upToNextOption, help: "Density maps (MRC), one class per map; default: built-in phantoms.")
    var structures: [String] = []
    @Option(help: "Built-in phantoms, comma-separated (default: ring,barrel,dumbbell,rod,tetrahedron).")
    var phantoms: String?
    @Option(help: "Subtomograms per class.") var perClass: Int = 100
    @Option(help: "Box size D (voxels per side).") var box: Int = 24
    @Option(help: "Voxel size in angstrom (default 13.33, or larger when a class would not fit the box).")
    var voxelSize: Double?
    @Option(help: "Signal-to-noise ratio (signal variance over noise variance); 'inf' for no noise.")
    var snr: Double = 0.1
    @Option(help: "Tilt range in degrees (+-DEG about y, beam along z); 90 for no missing wedge.") var tilt: Double = 60
    @OptionGroup var microscope: MicroscopeOptions
    @Option(help: "Largest random shift per axis, in voxels.") var maxShift: Double = 2
    @Option(help: "Random seed.") var seed: Int = 0
    @Option(help: "Threads per rank for simulating.") var threads: Int = 1
    @Option(help: "Write a PNG montage of central xy and xz slices, one row per class.") var montage: String?
    @Option(help: "Subtomograms per class in the montage.") var montagePerClass: Int = 6
    @Flag(help: "Replace existing outputs.") var force = false

    func validate() throws {
        if perClass < 1 { throw ValidationError("--per-class must be at least 1 (got \(perClass))") }
        if threads < 1 { throw ValidationError("--threads must be at least 1 (got \(threads))") }
        if montagePerClass < 1 { throw ValidationError("--montage-per-class must be at least 1") }
        if !structures.isEmpty && phantoms != nil {
            throw ValidationError("give either --structures or --phantoms, not both")
        }
        if let problem = imagingParameters(voxelSize: voxelSize ?? 13.33).validationProblem() {
            throw ValidationError(problem)
        }
        _ = try phantomList()
    }

    func imagingParameters(voxelSize: Double) -> ImagingParameters {
        var p = ImagingParameters()
        p.box = box; p.voxelSizeAngstrom = voxelSize; p.snr = snr; p.tiltDegrees = tilt
        p.ctf = microscope.ctf
        p.applyCTF = !microscope.noCtf
        p.maxShiftVoxels = maxShift
        return p
    }

    func phantomList() throws -> [Phantom] {
        guard let phantoms else { return Phantom.defaultSet }
        let names = phantoms.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        return try names.map { name in
            guard let p = Phantom.named(name) else {
                throw ValidationError("unknown phantom '\(name)' (known: \(Phantom.all.map(\.name).joined(separator: ", ")))")
            }
            return p
        }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let start = Date()
        try comm.collectively {
            try OutputGuard.check(outputs: [output] + (montage.map { [$0] } ?? []), inputs: structures, force: force)
        }
        let sources: [ClassSource] = try comm.collectively {
            structures.isEmpty ? try phantomList().map { .phantom($0) } : try structures.map { try ClassSource.mrc($0) }
        }
        let radii = sources.map { $0.extentRadiusAngstrom() }
        var parameters = imagingParameters(voxelSize: voxelSize ?? 13.33)
        if voxelSize == nil {
            parameters.voxelSizeAngstrom = ClassSource.fittingVoxelSize(radiiAngstrom: radii, box: box,
                                                                        maxShiftVoxels: maxShift)
        }
        let room = (Double(box) / 2 - 0.5 - maxShift) * parameters.voxelSizeAngstrom
        for (source, r) in zip(sources, radii) where r > room {
            context.say("simulate: warning: \(source.name) reaches \(Int(r)) A from its centre, beyond the "
                        + "\(Int(room)) A that stay inside the box under any rotation and shift; its edges are cut")
        }
        let simulator = Simulator(classes: sources.map { $0.prepare(parameters) }, perClass: perClass,
                                  parameters: parameters, seed: UInt64(bitPattern: Int64(seed)))
        let n = simulator.count, d = box
        let ctfText = microscope.noCtf ? "no CTF" : "CTF \(microscope.voltage) kV, defocus \(microscope.defocus) um, Cs \(microscope.cs) mm, A \(microscope.amplitudeContrast)"
        context.say("simulate: \(sources.count) classes (\(simulator.classNames.joined(separator: ", "))) x \(perClass) = "
                    + "\(n) subtomograms of \(d)^3 at \(fixed(parameters.voxelSizeAngstrom, 3)) A/voxel, SNR \(snr), "
                    + "tilt +-\(tilt), \(ctfText); \(comm.size) ranks x \(threads) threads")
        if FileManager.default.fileExists(atPath: output) { context.say("simulate: replacing \(output) (--force)") }
        try comm.barrier()   // every rank has checked for the old file before it is truncated

        let file = try HDF5File.create(output, comm: comm)
        try file.createDataset("/subtomograms", type: .float32, shape: [n, d, d, d], chunk: [1, d, d, d])
        try writeAttributes(file, parameters, simulator)
        try file.write("/labels_true", simulator.labels, shape: [n])

        // Each rank simulates its rows in batches; every rank makes the same number of collective writes.
        let mine = comm.rows(of: n)
        let batch = 64, size = d * d * d
        let rounds = (RowPartition(count: n, parts: comm.size).range(of: 0).count + batch - 1) / batch
        var buffer = [Float](repeating: 0, count: batch * size)
        var nextReport = 0.1
        for round in 0..<rounds {
            let lo = min(mine.lowerBound + round * batch, mine.upperBound)
            let rows = lo..<min(lo + batch, mine.upperBound)
            buffer.withUnsafeMutableBufferPointer { simulator.fill(rows: rows, into: $0, threads: threads) }
            try buffer.withUnsafeBufferPointer {
                try file.writeRows("/subtomograms", rows: rows, data: UnsafeBufferPointer(rebasing: $0[0..<(rows.count * size)]))
            }
            let done = Double(round + 1) / Double(rounds)
            if done >= nextReport && round + 1 < rounds {
                let elapsed = Date().timeIntervalSince(start)
                context.say("simulate: \(fixed(done * 100, 0))%  \(fixed(done * Double(n) / elapsed, 0)) subtomograms/s  "
                            + "\(fixed(elapsed * (1 - done) / done, 0)) s left")
                nextReport += 0.1
            }
        }
        try file.close()
        let seconds = Date().timeIntervalSince(start)
        context.say("simulate: wrote \(output): \(n) subtomograms in \(fixed(seconds, 1)) s "
                    + "(\(fixed(Double(n) / seconds, 0)) per second)")

        if let montage {
            let error: Error? = comm.rank == 0 ? catching {
                try PNGWriter.write(Montage.image(simulator: simulator, perClass: montagePerClass), to: montage)
            } : nil
            try comm.agree(error)
            context.say("simulate: montage \(montage) (rows: \(simulator.classNames.joined(separator: ", ")); "
                        + "each subtomogram: xy | xz central slices)")
        }
    }

    func writeAttributes(_ file: HDF5File, _ p: ImagingParameters, _ s: Simulator) throws {
        let attributes: [(String, HDF5AttributeValue)] = [
            ("voxel_size", .double(p.voxelSizeAngstrom)),
            ("snr", .double(p.snr)),
            ("tilt_degrees", .double(p.tiltDegrees)),
            ("defocus", .double(p.ctf.defocusMicrometre)),
            ("voltage", .double(p.ctf.voltageKilovolt)),
            ("cs", .double(p.ctf.sphericalAberrationMillimetre)),
            ("amplitude_contrast", .double(p.ctf.amplitudeContrast)),
            ("ctf_applied", .int(p.applyCTF ? 1 : 0)),
            ("max_shift_voxels", .double(p.maxShiftVoxels)),
            ("seed", .int(seed)),
            ("box", .int(p.box)),
            ("per_class", .int(perClass)),
            ("classes", .int(s.classes.count)),
            ("class_names", .string(s.classNames.joined(separator: ","))),
            ("units", .string("voxel_size angstrom; defocus micrometre (negative = underfocus); voltage kV; cs mm; "
                              + "tilt_degrees = +- maximum tilt about y, beam along z")),
            ("imaging", .string("rotate (uniform SO(3)), shift, sample; y = W (CTF X + sigma N); "
                                + "snr = var(W CTF x) / var(sigma W n) on the box; normalised to mean 0, SD 1")),
            ("generator", .string("disca \(Disca.version) simulate")),
        ]
        for (name, value) in attributes { try file.setAttribute(name, value) }
    }
}

/// `value` with `digits` decimals.
private func fixed(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
