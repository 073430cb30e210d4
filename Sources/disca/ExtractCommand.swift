import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaTomography
import Foundation

/// `disca extract`: one normalised box per pick, written with parallel HDF5 (docs/interfaces.md, particles file).
///
/// Picks are stored sorted by tomogram and z (so each rank reads its tomogram sections once, through a window), each
/// rank extracting a contiguous block of the sorted rows. Beside /subtomograms the file keeps what the way back
/// needs: /coordinates (x, y, z in tomogram voxels), /tomogram (index), /source_row (0-based row of the particle
/// loop, or line of a plain coordinates file), the coordinates file's text (/source_coordinates, bytes) and the
/// tomogram names, paths and voxel sizes as attributes.
struct ExtractCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Cut one subtomogram per pick out of tomograms into an HDF5 file for `disca train`.",
        discussion: """
            Reads picks as RELION 5 (rlnCenteredCoordinateX/Y/ZAngst, with --tomograms-star or the MRC headers), \
            RELION 3/4 and Warp/M (rlnCoordinateX/Y/Z in voxels with rlnTomoName or rlnMicrographName), or plain \
            .coords (X Y Z per line, one tomogram). Tomograms are matched by name (file name without .mrc).
            """)

    @Option(parsing: .upToNextOption, help: "Tomograms (MRC).") var tomograms: [String]
    @Option(help: "Picks: STAR (RELION 5, RELION 3/4, Warp) or .coords.") var coordinates: String
    @Option(help: "RELION 5 tomograms.star (sizes and binning of the tomograms).") var tomogramsStar: String?
    @Option(help: "Box size D in output voxels.") var box: Int = 24
    @Option(help: "Binning B: each output voxel is the mean of B^3 tomogram voxels.") var bin: Int = 1
    @Option(help: "Picks whose box leaves the tomogram: pad (with the tomogram's mean) or skip.") var edge: String = "pad"
    @Option(help: "Output HDF5 file.") var output: String
    @Option(help: "Subtomograms per collective write.") var batch: Int = 64
    @Option(help: "Memory for the window of tomogram sections, in MB.") var blockMegabytes: Int = 512
    @Flag(help: "Replace an existing output.") var force = false

    func validate() throws {
        if tomograms.isEmpty { throw ValidationError("--tomograms needs at least one MRC file") }
        if box < 4 || box > 256 { throw ValidationError("--box must be in 4...256 (got \(box))") }
        if bin < 1 || bin > 16 { throw ValidationError("--bin must be in 1...16 (got \(bin))") }
        if EdgePolicy(rawValue: edge) == nil { throw ValidationError("--edge must be pad or skip (got '\(edge)')") }
        if batch < 1 { throw ValidationError("--batch must be at least 1") }
        if blockMegabytes < 1 { throw ValidationError("--block-megabytes must be at least 1") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let start = Date()
        let inputs = tomograms + [coordinates] + (tomogramsStar.map { [$0] } ?? [])
        try comm.collectively { try OutputGuard.check(outputs: [output], inputs: inputs, force: force) }
        let readers = try comm.collectively { try tomograms.map { try MRCVolumeReader.open($0) } }
        let descriptions = try comm.collectively { try TomogramFiles.describe(tomograms, readers) }
        let picks = try comm.collectively {
            try ParticlePicks.read(coordinates, tomograms: descriptions, tomogramsStar: tomogramsStar)
        }
        let extractor = SubtomogramExtractor(box: box, bin: bin, blockBytes: blockMegabytes << 20)
        var items = picks.picks.map {
            ExtractionItem(tomogramIndex: $0.tomogramIndex, position: VoxelPosition(x: $0.x, y: $0.y, z: $0.z),
                           sourceRow: $0.row)
        }
        let atEdge = items.filter { !extractor.fits($0.position, in: descriptions[$0.tomogramIndex].sizeVoxels) }.count
        if EdgePolicy(rawValue: edge) == .skip {
            items = items.filter { extractor.fits($0.position, in: descriptions[$0.tomogramIndex].sizeVoxels) }
        }
        let order = SubtomogramExtractor.storageOrder(items)
        items = order.map { items[$0] }
        let n = items.count, d = box
        guard n > 0 else {
            throw CollectiveError(.badInput("\(coordinates): no picks to extract (\(picks.picks.count) read, "
                                            + "\(atEdge) at an edge skipped)"))
        }
        let sourceText = try comm.collectively { try Data(contentsOf: URL(fileURLWithPath: coordinates)) }
        context.say("extract: \(n) picks from \(tomograms.count) tomograms (\(picks.convention.rawValue)); "
                    + "\(atEdge) reach past an edge (\(edge == "pad" ? "padded with the tomogram mean" : "skipped")); "
                    + "box \(d), bin \(bin); \(comm.size) ranks")

        let temporary = output + ".tmp"
        let file = try HDF5File.create(temporary, comm: comm)
        try file.createDataset("/subtomograms", type: .float32, shape: [n, d, d, d], chunk: [1, d, d, d])
        try file.write("/coordinates", items.flatMap { [$0.position.x, $0.position.y, $0.position.z] }, shape: [n, 3])
        try file.write("/tomogram", items.map { Int32($0.tomogramIndex) }, shape: [n])
        try file.write("/source_row", items.map { Int64($0.sourceRow) }, shape: [n])
        try file.write("/source_coordinates", [UInt8](sourceText), shape: [sourceText.count])
        let attributes: [(String, HDF5AttributeValue)] = [
            ("voxel_size", .double(descriptions[0].voxelSizeAngstrom * Double(bin))),
            ("tomogram_voxel_sizes", .string(descriptions.map { String($0.voxelSizeAngstrom) }.joined(separator: "\n"))),
            ("tomogram_names", .string(descriptions.map(\.name).joined(separator: "\n"))),
            ("tomogram_paths", .string(tomograms.joined(separator: "\n"))),
            ("tomogram_sizes", .string(descriptions.map { "\($0.sizeVoxels.x) \($0.sizeVoxels.y) \($0.sizeVoxels.z)" }
                .joined(separator: "\n"))),
            ("box", .int(d)), ("bin", .int(bin)), ("edge", .string(edge)), ("picks_at_edge", .int(atEdge)),
            ("coordinates_file", .string(coordinates)),
            ("coordinates_convention", .string(picks.convention.rawValue)),
            ("particle_block", .string(picks.particleBlock ?? "")),
            ("tomograms_star", .string(tomogramsStar ?? "")),
            ("units", .string("coordinates: x, y, z in tomogram voxels from 0 (voxel centres at integers); "
                              + "voxel_size: angstrom per subtomogram voxel; source_row: 0-based row of the particle loop")),
            ("generator", .string("disca \(Disca.version) extract")),
        ]
        for (key, value) in attributes { try file.setAttribute(key, value) }

        let mine = comm.rows(of: n)
        let rounds = (RowPartition(count: n, parts: comm.size).range(of: 0).count + batch - 1) / batch
        var windows: [Int: SectionWindow] = [:]
        var buffer = [Float](repeating: 0, count: batch * d * d * d)
        var failure: Error?
        for round in 0..<rounds {
            let lo = min(mine.lowerBound + round * batch, mine.upperBound)
            let rows = lo..<min(lo + batch, mine.upperBound)
            if failure == nil {
                failure = catching {
                    for (k, row) in rows.enumerated() {
                        let item = items[row], t = item.tomogramIndex
                        if windows[t] == nil {
                            windows = [:]   // one tomogram's window at a time (rows are sorted by tomogram)
                            windows[t] = SectionWindow(source: readers[t], fill: readers[t].meanForPadding,
                                                       blockBytes: blockMegabytes << 20, minimumSections: d * bin)
                        }
                        let v = try extractor.extract(item.position, from: windows[t]!)
                        buffer.replaceSubrange((k * d * d * d)..<((k + 1) * d * d * d), with: v)
                    }
                }
            }
            // Agree before the collective write, so a failed read never leaves a rank blocked in it.
            try comm.agree(failure)
            try buffer.withUnsafeBufferPointer {
                try file.writeRows("/subtomograms", rows: rows, data: UnsafeBufferPointer(rebasing: $0[0..<(rows.count * d * d * d)]))
            }
        }
        try file.close()
        try comm.barrier()
        let renamed: Error? = comm.rank == 0 ? catching {
            if FileManager.default.fileExists(atPath: output) { try FileManager.default.removeItem(atPath: output) }
            try FileManager.default.moveItem(atPath: temporary, toPath: output)
        } : nil
        try comm.agree(renamed)
        let rss = try comm.peakResidentMegabytesPerRank()
        context.say("peak RSS per rank (MB): \(rss.map(String.init).joined(separator: " "))")
        context.say(String(format: "extract: wrote %@: %d subtomograms of %d^3 at %.3g A/voxel in %.1f s", output, n, d,
                           descriptions[0].voxelSizeAngstrom * Double(bin), Date().timeIntervalSince(start)))
    }
}
