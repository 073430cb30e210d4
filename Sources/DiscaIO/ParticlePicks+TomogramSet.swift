import DiscaCore

/// The `data_global` loop of a RELION 5 `tomograms.star`: per tomogram its name, its size in unbinned tilt-series
/// pixels (`rlnTomoSizeX/Y/Z`), the binning of its reconstruction (`rlnTomoTomogramBinning`) and the tilt-series
/// pixel size (`rlnTomoTiltSeriesPixelSize`, angstrom). The per-tilt-series blocks that may follow are ignored.
struct TomogramSetTable: Sendable {
    struct Entry: Sendable {
        var name: String
        /// 1-based row of `data_global`, for messages.
        var row: Int
        var unbinnedSizePixels: (x: Double, y: Double, z: Double)
        var binning: Double
        var tiltSeriesPixelSizeAngstrom: Double
        /// Voxel size of the reconstructed tomogram: tilt-series pixel size times binning.
        var tomogramVoxelSizeAngstrom: Double { tiltSeriesPixelSizeAngstrom * binning }
    }

    var file: String
    var entries: [String: Entry]

    static func read(_ path: String) throws -> TomogramSetTable {
        let document = try STARDocument.read(path)
        guard let block = document.block("global") else {
            let names = document.blocks.map { $0.label }.joined(separator: " ")
            throw DiscaError.badInput("\(path): no data_global block (found: \(names.isEmpty ? "none" : names))")
        }
        var entries: [String: Entry] = [:]
        for r in 0..<block.rowCount {
            let name = try block.string(column: PickColumns.tomoName, row: r)
            let size = try PickColumns.tomoSize.map { try block.double(column: $0, row: r) }
            let binning = try block.double(column: PickColumns.tomogramBinning, row: r)
            let pixel = try block.double(column: PickColumns.tiltSeriesPixelSize, row: r)
            guard binning > 0, pixel > 0, size.allSatisfy({ $0 > 0 }) else {
                throw DiscaError.badInput(
                    "\(path): data_global row \(r + 1) (\(name)): expected positive sizes, binning and pixel size, "
                    + "found size \(size[0]) x \(size[1]) x \(size[2]), binning \(binning), pixel size \(pixel)")
            }
            guard entries[name] == nil else {
                throw DiscaError.badInput("\(path): data_global row \(r + 1): tomogram \(name) appears twice")
            }
            entries[name] = Entry(name: name, row: r + 1, unbinnedSizePixels: (size[0], size[1], size[2]),
                                  binning: binning, tiltSeriesPixelSizeAngstrom: pixel)
        }
        return TomogramSetTable(file: path, entries: entries)
    }
}
