import DiscaCore

/// A tomogram that particle coordinates refer to, as the caller knows it from the tomogram's MRC header.
public struct TomogramDescription: Sendable {
    /// The tomogram's name (`TS_01`), matched against the names in a particle file (`ParticlePicks+Matching.swift`).
    public var name: String
    /// The tomogram's file (`/data/TS_01.mrc`); its file name is matched too.
    public var path: String
    /// Voxels along X, Y, Z (MRC nx, ny, nz of a map stored columns = X).
    public var sizeVoxels: (x: Int, y: Int, z: Int)
    /// Voxel size in angstrom (MRC cell length over grid size).
    public var voxelSizeAngstrom: Double

    public init(name: String, path: String, sizeVoxels: (x: Int, y: Int, z: Int), voxelSizeAngstrom: Double) {
        self.name = name; self.path = path; self.sizeVoxels = sizeVoxels; self.voxelSizeAngstrom = voxelSizeAngstrom
    }
}

/// How the coordinates of a particle file are written.
public enum PickConvention: String, Sendable, CaseIterable {
    /// RELION 5: `rlnCenteredCoordinateX/Y/ZAngst`, angstrom from the tomogram centre, with `rlnTomoName`.
    case relion5Centered
    /// RELION 4 tomography: `rlnCoordinateX/Y/Z` in unbinned tilt-series pixels; recognised by a `data_optics`
    /// block with `rlnTomoTiltSeriesPixelSize` (RELION 5 reads such files this way, see `ParticlePicks`).
    case relionTiltSeriesPixels
    /// RELION 3 and Warp/M: `rlnCoordinateX/Y/Z` in voxels of the tomogram named by `rlnTomoName` or
    /// `rlnMicrographName`.
    case relionPixels
    /// Plain text (`.coords`, `.txt`, as TomoTwin writes): `X Y Z` in voxels per line, all of one tomogram.
    case plainCoordinates
}

/// One particle position.
public struct ParticlePick: Equatable, Sendable {
    /// Index into the `tomograms` given to `ParticlePicks.read`.
    public var tomogramIndex: Int
    /// Position in tomogram voxels, 0-based, voxel centres at integers (the first voxel spans -0.5 ..< 0.5).
    public var x: Double, y: Double, z: Double
    /// 0-based row of the particle loop (for plain coordinates: 0-based line of the file).
    public var row: Int

    public init(tomogramIndex: Int, x: Double, y: Double, z: Double, row: Int) {
        self.tomogramIndex = tomogramIndex; self.x = x; self.y = y; self.z = z; self.row = row
    }
}

/// Particle coordinates in tomogram voxels, read from the formats users bring.
///
/// Coordinate convention: positions are 0-based with voxel centres at integers, and no +1 offset is applied
/// anywhere. This is what RELION 5 does: `ParticleSet::getParticleCoordDecenteredPixel` turns centred angstrom into
/// pixels as `A / rlnTomoTiltSeriesPixelSize + tomo_centre`, `TomogramSet::loadTomogram` sets
/// `tomo_centre = (rlnTomoSizeX/2.0, rlnTomoSizeY/2.0, rlnTomoSizeZ/2.0)` (real, not integer, division), and
/// `ParticleSet::getPosition` leaves its `+1.0` commented out ("we can't do this anymore now"); the same function
/// reads a RELION 4 file's `rlnCoordinateX/Y/Z` as those decentred pixels unchanged (RELION 5
/// src/jaz/tomography/particle_set.cpp and tomogram_set.cpp, read via the project's search tool). So:
/// - RELION 5: unbinned pixel = A / rlnTomoTiltSeriesPixelSize + rlnTomoSize / 2, voxel = unbinned pixel / binning.
/// - RELION 4 tomography: voxel = rlnCoordinate / binning.
/// - RELION 3, Warp/M, plain: voxel = rlnCoordinate (taken as 0-based voxels like the above).
/// The binning and the unbinned size come from `tomograms.star` (`rlnTomoTomogramBinning`, `rlnTomoSizeX/Y/Z`)
/// when given; otherwise binning = tomogram voxel size / tilt-series pixel size and unbinned size = voxels *
/// binning, with the tilt-series pixel size from the particle's optics group.
///
/// Bad input is a one-line `DiscaError.badInput` naming the file, the 1-based row (or line) and the numbers: a
/// missing column, a non-numeric value, a tomogram name that matches no tomogram, a position outside its tomogram
/// (x < -0.5 or x > size - 0.5), a pixel size in the STAR that differs from the MRC voxel size by more than 0.1%.
public struct ParticlePicks: Sendable {
    public var convention: PickConvention
    /// The file read.
    public var file: String
    /// The input document as read (nil for plain coordinates), for writing back with added columns.
    public var document: STARDocument?
    /// The name of the particle block in `document` (`particles`, or `""` for a bare `data_`).
    public var particleBlock: String?
    public var picks: [ParticlePick]

    /// Picks already known (for example stored by an earlier step), for writing back with `document(addingColumn:)`.
    public init(convention: PickConvention, file: String, document: STARDocument?, particleBlock: String?,
                picks: [ParticlePick]) {
        self.convention = convention; self.file = file; self.document = document
        self.particleBlock = particleBlock; self.picks = picks
    }

    /// Reads the picks of `path` against `tomograms`; the convention is detected from the file
    /// (`ParticlePicks+Detect.swift`) unless given. Plain coordinates need exactly one tomogram.
    public static func read(_ path: String, tomograms: [TomogramDescription], tomogramsStar: String? = nil,
                            convention: PickConvention? = nil) throws -> ParticlePicks {
        guard !tomograms.isEmpty else {
            throw DiscaError.badInput("\(path): no tomograms given to place the particles in")
        }
        let lower = path.lowercased()
        let plainByName = lower.hasSuffix(".coords") || lower.hasSuffix(".txt")
        if convention == .plainCoordinates || (convention == nil && plainByName) {
            return try readPlain(path, tomograms: tomograms)
        }
        let document = try STARDocument.read(path)
        let chosen = try convention ?? self.convention(of: document, file: path)
        let block = try particleBlockIndex(document, file: path)
        var reader = PickTableReader(file: path, document: document, block: document.blocks[block],
                                     tomograms: tomograms)
        if let tomogramsStar { reader.tomogramSet = try TomogramSetTable.read(tomogramsStar) }
        let picks = try reader.picks(chosen)
        return ParticlePicks(convention: chosen, file: path, document: document,
                             particleBlock: document.blocks[block].name, picks: picks)
    }
}
