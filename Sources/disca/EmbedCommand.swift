import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaTomography
import Foundation

/// `disca embed`: the classes painted back where they sit in one tomogram (the paper's re-embedding;
/// docs/interfaces.md): an int8 MRC the size of the tomogram (0 = no particle, c = class c, a ball per pick), written
/// section by section, and optionally a PNG of one tomogram section with the picks drawn as circles coloured by class.
struct EmbedCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Paint each pick's class into a label map (MRC) of its tomogram, and a PNG of a slice with coloured picks.")

    @Option(help: "result.h5 of a run (or its run directory).") var result: String
    @Option(help: "The particles file the run classified.") var input: String
    @Option(help: "The tomogram (MRC) to paint; one of the tomograms the picks came from.") var tomogram: String
    @Option(help: "Output label map (MRC, int8).") var output: String
    @Option(help: "Also write a PNG of one section with the picks coloured by class.") var png: String?
    @Option(help: "Section (z, voxels) of the PNG (default: the median z of the picks).") var slice: Int?
    @Option(help: "Radius of the painted balls in angstrom (default: 0.4 x the subtomogram box).") var radiusAngstrom: Double?
    @Flag(help: "Replace existing outputs.") var force = false

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let outputs = [output] + (png.map { [$0] } ?? [])
        try comm.collectively { try OutputGuard.check(outputs: outputs, inputs: [result, input, tomogram], force: force) }
        var report: [String] = []
        let error: Error? = comm.rank == 0 ? catching {
            let provenance = try ParticlesProvenance.read(input)
            let (labels, _) = try ResultLabels.read(result, expectedCount: provenance.count, particles: input)
            let reader = try MRCVolumeReader.open(tomogram)
            let name = SimulateTomogramCommand.stem(tomogram)
            guard let t = provenance.tomograms.firstIndex(where: {
                $0.name == name || OutputGuard.canonical($0.path) == OutputGuard.canonical(tomogram)
            }) else {
                throw DiscaError.badInput("\(tomogram): not one of the tomograms of \(input) ("
                                          + provenance.tomograms.prefix(5).map(\.name).joined(separator: ", ") + ")")
            }
            let size = reader.shape
            let expected = provenance.tomograms[t].sizeVoxels
            guard size == expected else {
                throw DiscaError.badInput("\(tomogram): \(size.x) x \(size.y) x \(size.z) voxels, but the picks of "
                                          + "\(input) were extracted from \(expected.x) x \(expected.y) x \(expected.z)")
            }
            let picks = (0..<provenance.count).filter { provenance.tomogramIndex[$0] == t }.map {
                ClassifiedPick(position: provenance.positions[$0], classIndex: labels[$0])
            }
            let tomogramVoxel = provenance.tomograms[t].voxelSizeAngstrom
            let radius = (radiusAngstrom ?? 0.4 * Double(provenance.box) * provenance.voxelSizeAngstrom) / tomogramVoxel
            let painter = LabelPainter(picks: picks, radiusVoxels: radius, sizeVoxels: size)
            // int8 holds classes up to 127; more classes are written as float32.
            let mode: MRCWriteMode = (picks.map(\.classIndex).max() ?? 0) + 1 <= 127 ? .int8 : .float32
            let writer = try MRCVolumeWriter.create(output, shape: size, voxelSizeAngstrom: tomogramVoxel, mode: mode,
                                                    labels: ["disca embed: classes of \(input) (0 = none, c = class c)"])
            let step = max(1, (64 << 20) / max(1, size.x * size.y * 4))
            do {
                for z0 in stride(from: 0, to: size.z, by: step) {
                    try writer.write(sections: painter.sections(z0..<min(size.z, z0 + step)))
                }
                try writer.finish()
            } catch {
                writer.cancel()
                throw error
            }
            report.append("embed: \(picks.count) picks of \(name) painted as balls of \(String(format: "%.1f", radius)) "
                          + "voxels -> \(output)")
            if let png {
                let zs = picks.map { Int($0.position.z.rounded()) }.sorted()
                let z = min(size.z - 1, max(0, slice ?? (zs.isEmpty ? size.z / 2 : zs[zs.count / 2])))
                let section = try reader.readSections(z..<(z + 1))
                try PNGWriter.write(SlicePicture.image(section: section, width: size.x, height: size.y, z: z,
                                                       picks: picks, radiusVoxels: radius), to: png)
                report.append("embed: section z = \(z) with the picks that cut it -> \(png)")
            }
        } : nil
        try comm.agree(error)
        report.forEach(context.say)
    }
}
