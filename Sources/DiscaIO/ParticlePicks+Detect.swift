import DiscaCore

/// Which convention a particle file uses, and which of its blocks holds the particles.
extension ParticlePicks {
    /// `.coords`/`.txt` (any case) are plain coordinates; a STAR file whose particle loop has
    /// `rlnCenteredCoordinateXAngst` is RELION 5; one with `rlnCoordinateX` is RELION 4 tomography when its
    /// `data_optics` loop has `rlnTomoTiltSeriesPixelSize`, RELION 3 / Warp otherwise.
    public static func detectConvention(_ path: String) throws -> PickConvention {
        let lower = path.lowercased()
        if lower.hasSuffix(".coords") || lower.hasSuffix(".txt") { return .plainCoordinates }
        return try convention(of: try STARDocument.read(path), file: path)
    }

    /// The convention of a STAR document read from `file`.
    static func convention(of document: STARDocument, file path: String) throws -> PickConvention {
        let block = document.blocks[try particleBlockIndex(document, file: path)]
        if block.hasColumn(PickColumns.centeredX) { return .relion5Centered }
        if block.hasColumn(PickColumns.pixelX) {
            if document.block("optics")?.hasColumn(PickColumns.tiltSeriesPixelSize) == true {
                return .relionTiltSeriesPixels
            }
            return .relionPixels
        }
        throw DiscaError.badInput("\(path): \(block.label) has neither _\(PickColumns.centeredX) (RELION 5) nor "
                                  + "_\(PickColumns.pixelX) (RELION 3/4, Warp)")
    }

    /// The block holding the particles: `data_particles`, else a bare `data_`, else the only block with a loop
    /// that is not `data_optics` or `data_general`.
    static func particleBlockIndex(_ document: STARDocument, file: String) throws -> Int {
        for name in ["particles", ""] {
            if let i = document.blockIndex(name), document.blocks[i].loop != nil { return i }
        }
        let candidates = document.blocks.indices.filter {
            document.blocks[$0].loop != nil && !["optics", "general"].contains(document.blocks[$0].name)
        }
        if candidates.count == 1 { return candidates[0] }
        let names = document.blocks.map { $0.label }.joined(separator: " ")
        throw DiscaError.badInput(
            "\(file): no particle loop found: expected data_particles, data_ or a single loop block, found "
            + "\(candidates.count) loop blocks among: \(names.isEmpty ? "none" : names)")
    }
}

/// The column names used for picks (without the leading underscore).
enum PickColumns {
    static let centeredX = "rlnCenteredCoordinateXAngst"
    static let centered = ["rlnCenteredCoordinateXAngst", "rlnCenteredCoordinateYAngst", "rlnCenteredCoordinateZAngst"]
    static let pixelX = "rlnCoordinateX"
    static let pixel = ["rlnCoordinateX", "rlnCoordinateY", "rlnCoordinateZ"]
    static let tomoName = "rlnTomoName"
    static let micrographName = "rlnMicrographName"
    static let opticsGroup = "rlnOpticsGroup"
    static let tiltSeriesPixelSize = "rlnTomoTiltSeriesPixelSize"
    static let tomogramBinning = "rlnTomoTomogramBinning"
    static let tomoSize = ["rlnTomoSizeX", "rlnTomoSizeY", "rlnTomoSizeZ"]
}
