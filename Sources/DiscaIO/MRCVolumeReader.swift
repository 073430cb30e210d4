import DiscaCore

/// Header-only access to an MRC2014 volume that reads spatial Z sections on demand, for tomograms that must never
/// be held whole.
///
/// `open` reads and validates the header once, through the same checks as `MRCFile.read` (`MRCLayout`; the only
/// difference is that nx * ny * nz is not capped at `MRCFile.maximumVoxels`), and keeps the path, data offset and
/// byte order. Each `readSections` call opens the file, reads only the bytes of the requested sections (pread, in
/// chunks of at most `chunkBytes`) and decodes them to Float.
///
/// Axis order: slab reads need the file's sections to run along Z (maps = 3), so that spatial sections are
/// contiguous byte ranges. Columns and rows may be X, Y (mapc, mapr = 1, 2, the usual order) or Y, X (2, 1; each
/// section is transposed as it is read). Any other mapc, mapr, maps is refused at `open` with a one-line error;
/// `MRCFile.read` still reads such files whole.
public struct MRCVolumeReader: Sendable {
    /// Largest number of bytes read by one pread.
    static let chunkBytes = 8 << 20

    public let path: String
    /// The header as stored in the file.
    public let header: MRCHeader
    /// Whether the file stores numbers big-endian.
    public let bigEndian: Bool
    /// Voxels along X, Y, Z (spatial, whatever the storage order).
    public let shape: (x: Int, y: Int, z: Int)
    /// Cell length over sampling along X, Y, Z (`cella / mx`); 0 where the file says 0.
    public let voxelSizeAngstrom: (x: Double, y: Double, z: Double)
    /// Header words 50-52 as stored (see `MRCMap.originAngstrom`).
    public let originAngstrom: (x: Double, y: Double, z: Double)
    /// NXSTART, NYSTART, NZSTART per spatial axis (see `MRCMap.startIndex`).
    public let startIndex: (x: Int, y: Int, z: Int)
    /// Position in angstrom of voxel (0, 0, 0) (see `MRCMap.gridOriginAngstrom` for the rule).
    public let gridOriginAngstrom: (x: Double, y: Double, z: Double)

    private let layout: MRCLayout

    private init(_ layout: MRCLayout) {
        self.layout = layout
        path = layout.path
        header = layout.header
        bigEndian = layout.bigEndian
        shape = layout.spatialShape
        voxelSizeAngstrom = layout.voxelSizeAngstrom
        originAngstrom = layout.originAngstrom
        startIndex = layout.startIndex
        gridOriginAngstrom = layout.gridOriginAngstrom
    }

    /// Opens `path` and validates its header; every malformed field is a `DiscaError.badInput` naming the file and
    /// the field.
    public static func open(_ path: String) throws -> MRCVolumeReader {
        let layout = try MRCLayout.open(path, maximumVoxels: Int.max)
        let h = layout.header
        guard h.maps == 3 else {
            throw DiscaError.badInput("MRC file \(path): fields mapc, mapr, maps = \(h.mapc), \(h.mapr), \(h.maps): "
                                      + "this axis order is not supported for tomograms (slab reads need sections "
                                      + "along Z, maps = 3)")
        }
        return MRCVolumeReader(layout)
    }

    /// Voxels in one spatial section (shape.x * shape.y).
    public var sectionVoxels: Int { shape.x * shape.y }

    /// Spatial sections z in `zRange` (0-based), all y and x, as Float in (z, y, x) C order:
    /// `result[((z - zRange.lowerBound) * shape.y + y) * shape.x + x]`. An empty range gives an empty array; a range
    /// outside 0..<shape.z is bad input.
    public func readSections(_ zRange: Range<Int>) throws -> [Float] {
        try checkRange(zRange)
        let count = zRange.count * sectionVoxels
        var out = [Float](repeating: 0, count: count)
        try out.withUnsafeMutableBufferPointer { try readSections(zRange, into: $0) }
        return out
    }

    /// Reads the sections in `zRange` into `buffer`, which must hold exactly `zRange.count * sectionVoxels` floats,
    /// in the order of `readSections(_:)`.
    public func readSections(_ zRange: Range<Int>, into buffer: UnsafeMutableBufferPointer<Float>) throws {
        try checkRange(zRange)
        guard buffer.count == zRange.count * sectionVoxels else {
            throw DiscaError.badInput("MRC file \(path): sections \(zRange.lowerBound)..<\(zRange.upperBound) need a "
                                      + "buffer of \(zRange.count * sectionVoxels) floats, got \(buffer.count)")
        }
        guard !zRange.isEmpty else { return }
        let sectionBytes = sectionVoxels * layout.bytesPerVoxel
        let chunkSections = max(1, MRCVolumeReader.chunkBytes / sectionBytes)
        let transposed = layout.mapping.c == 1              // columns along Y, rows along X
        let file = try MRCSystemFile.openForReading(path)
        var raw = [UInt8](repeating: 0, count: min(zRange.count, chunkSections) * sectionBytes)
        var section = [Float](repeating: 0, count: transposed ? sectionVoxels : 0)
        var z = zRange.lowerBound
        while z < zRange.upperBound {
            let n = min(chunkSections, zRange.upperBound - z)
            let offset = layout.dataOffset + z * sectionBytes
            try raw.withUnsafeMutableBytes {
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<(n * sectionBytes)]), at: offset,
                              what: "sections \(z)..<\(z + n)")
            }
            let first = (z - zRange.lowerBound) * sectionVoxels
            raw.withUnsafeBytes { bytes in
                if !transposed {
                    let out = UnsafeMutableBufferPointer(rebasing: buffer[first..<(first + n * sectionVoxels)])
                    MRCVoxelDecoder.decode(bytes, mode: header.mode, bigEndian: bigEndian, into: out)
                    return
                }
                for k in 0..<n {
                    let src = UnsafeRawBufferPointer(rebasing: bytes[(k * sectionBytes)..<((k + 1) * sectionBytes)])
                    section.withUnsafeMutableBufferPointer {
                        MRCVoxelDecoder.decode(src, mode: header.mode, bigEndian: bigEndian, into: $0)
                    }
                    transposeSection(section, into: buffer, at: first + k * sectionVoxels)
                }
            }
            z += n
        }
        try file.close()
    }

    private func checkRange(_ zRange: Range<Int>) throws {
        guard zRange.lowerBound >= 0, zRange.upperBound <= shape.z else {
            throw DiscaError.badInput("MRC file \(path): sections \(zRange.lowerBound)..<\(zRange.upperBound) "
                                      + "requested, field nz gives sections 0..<\(shape.z)")
        }
    }

    /// A storage section of `header.ny` rows along X by `header.nx` columns along Y, written in spatial (y, x)
    /// order: spatial (y = c, x = r) takes storage (r, c).
    private func transposeSection(_ section: [Float], into buffer: UnsafeMutableBufferPointer<Float>, at first: Int) {
        let columns = Int(header.nx), rows = Int(header.ny)      // storage; spatial X size = rows
        for r in 0..<rows {
            for c in 0..<columns { buffer[first + c * rows + r] = section[r * columns + c] }
        }
    }
}
