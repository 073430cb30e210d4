import DiscaCore

/// Where and how the voxels of one MRC file lie, found by reading and validating its header once. `MRCFile.read`
/// and `MRCVolumeReader` both open files through `MRCLayout.open`, so a malformed file gives them the same error.
///
/// Checks, in order, each failure a one-line `DiscaError.badInput` naming the file and the field:
/// the file opens and holds a whole 1024-byte header; the MAP field (bytes 209-212) starts with "MAP" (as
/// mrcfile's `MrcInterpreter._read_header` requires when not permissive, which accepts "MAP " and "MAP\0"; older
/// files without it are rejected, as mrcfile rejects them); nx, ny, nz are positive and their product is at most
/// `maximumVoxels`; the mode is supported; nsymbt is not negative; mapc, mapr, maps are a permutation of 1, 2, 3;
/// and the file holds the whole data block after the extended header.
struct MRCLayout: Sendable {
    let path: String
    let header: MRCHeader
    let bigEndian: Bool
    /// Spatial axis (0 X, 1 Y, 2 Z) of the storage columns, rows and sections.
    let mapping: (c: Int, r: Int, s: Int)
    let bytesPerVoxel: Int
    /// Byte offset of the first voxel: the header and the extended header.
    let dataOffset: Int
    /// nx * ny * nz.
    let voxelCount: Int

    /// Voxels along X, Y, Z.
    var spatialShape: (x: Int, y: Int, z: Int) {
        let size = spatial((Int(header.nx), Int(header.ny), Int(header.nz)))
        return (size[0], size[1], size[2])
    }

    /// NXSTART, NYSTART, NZSTART (which follow the storage axes) per spatial axis X, Y, Z.
    var startIndex: (x: Int, y: Int, z: Int) {
        let start = spatial((Int(header.nxstart), Int(header.nystart), Int(header.nzstart)))
        return (start[0], start[1], start[2])
    }

    /// Cell length over sampling (`cella / mx`) along X, Y, Z; 0 where the sampling is not positive.
    var voxelSizeAngstrom: (x: Double, y: Double, z: Double) {
        func voxel(_ cell: Float, _ m: Int32) -> Double { m > 0 ? Double(cell) / Double(m) : 0 }
        return (voxel(header.cellaX, header.mx), voxel(header.cellaY, header.my), voxel(header.cellaZ, header.mz))
    }

    /// Header words 50-52 as stored.
    var originAngstrom: (x: Double, y: Double, z: Double) {
        (Double(header.originX), Double(header.originY), Double(header.originZ))
    }

    /// The position in angstrom of voxel (0, 0, 0): ORIGIN when any of its words is nonzero, else the start index
    /// times the voxel size (see `MRCMap.gridOriginAngstrom`).
    var gridOriginAngstrom: (x: Double, y: Double, z: Double) {
        MRCMap.gridOrigin(originAngstrom: originAngstrom, startIndex: startIndex, voxelSizeAngstrom: voxelSizeAngstrom)
    }

    /// Places storage-axis values (columns, rows, sections) on the spatial axes [X, Y, Z].
    private func spatial(_ storage: (c: Int, r: Int, s: Int)) -> [Int] {
        var out = [0, 0, 0]
        out[mapping.c] = storage.c; out[mapping.r] = storage.r; out[mapping.s] = storage.s
        return out
    }
}

extension MRCLayout {
    /// Opens `path`, reads its header and validates it (see the type's documentation). `maximumVoxels` bounds
    /// nx * ny * nz: `MRCFile.maximumVoxels` for whole reads, `Int.max` for slab reads of large tomograms.
    static func open(_ path: String, maximumVoxels: Int) throws -> MRCLayout {
        let file = try MRCSystemFile.openForReading(path)
        let fileSize = try file.size()
        guard fileSize >= MRCHeader.byteCount else {
            throw DiscaError.badInput(
                "MRC file \(path): truncated header: \(fileSize) bytes, an MRC header needs \(MRCHeader.byteCount)")
        }
        var bytes = [UInt8](repeating: 0, count: MRCHeader.byteCount)
        try bytes.withUnsafeMutableBytes { try file.read(into: $0, at: 0, what: "header") }
        try file.close()
        let map = bytes[208..<212]
        guard Array(map.prefix(3)) == Array("MAP".utf8) else {
            let hex = map.map { String($0, radix: 16) }.joined(separator: " ")
            throw DiscaError.badInput("MRC file \(path): field MAP (bytes 209-212) holds \(hex) (hex), expected "
                                      + "\"MAP \" as MRC2014 requires: not an MRC file, or corrupt")
        }
        let bigEndian = byteOrderIsBig(bytes)
        let h = MRCHeader(bytes: bytes, bigEndian: bigEndian)
        for (name, v) in [("nx", h.nx), ("ny", h.ny), ("nz", h.nz)] where v <= 0 {
            throw DiscaError.badInput("MRC file \(path): field \(name) = \(v), must be positive")
        }
        let (count, overflow) = (Int(h.nx) * Int(h.ny)).multipliedReportingOverflow(by: Int(h.nz))
        guard !overflow, count <= maximumVoxels else {
            throw DiscaError.badInput("MRC file \(path): fields nx, ny, nz = \(h.nx) x \(h.ny) x \(h.nz) give "
                                      + "more than the \(maximumVoxels) voxels accepted")
        }
        guard let bytesPerVoxel = MRCHeader.bytesPerVoxel(mode: h.mode) else {
            let complex = h.mode == 3 || h.mode == 4 ? " (a complex transform)" : ""
            throw DiscaError.badInput("MRC file \(path): field mode = \(h.mode)\(complex) is not supported "
                                      + "(\(MRCHeader.supportedModes) are)")
        }
        guard h.nsymbt >= 0 else {
            throw DiscaError.badInput("MRC file \(path): field nsymbt = \(h.nsymbt), must not be negative")
        }
        guard let mapping = MRCMap.axisMapping(h) else {
            throw DiscaError.badInput("MRC file \(path): fields mapc, mapr, maps = \(h.mapc), \(h.mapr), \(h.maps) "
                                      + "are not a permutation of 1, 2, 3")
        }
        let offset = MRCHeader.byteCount + Int(h.nsymbt)
        let (dataBytes, tooMany) = count.multipliedReportingOverflow(by: bytesPerVoxel)
        guard !tooMany, fileSize - offset >= dataBytes else {
            throw DiscaError.badInput(
                "MRC file \(path): truncated data: header says \(h.nx) x \(h.ny) x \(h.nz) voxels of mode \(h.mode) "
                + "after \(h.nsymbt) bytes of extended header (\(offset) + \(dataBytes) bytes in all), file has "
                + "\(fileSize)")
        }
        return MRCLayout(path: path, header: h, bigEndian: bigEndian, mapping: mapping, bytesPerVoxel: bytesPerVoxel,
                         dataOffset: offset, voxelCount: count)
    }

    /// The byte order from the machine stamp (word 54: 0x44 little-endian, 0x11 big-endian); for a missing stamp,
    /// the order in which mode and sizes look sane (little-endian when both or neither do).
    static func byteOrderIsBig(_ b: [UInt8]) -> Bool {
        switch b[212] {
        case 0x44: return false
        case 0x11: return true
        default:
            func sane(_ big: Bool) -> Bool {
                let h = MRCHeader(bytes: b, bigEndian: big)
                return MRCHeader.bytesPerVoxel(mode: h.mode) != nil
                    && [h.nx, h.ny, h.nz].allSatisfy { $0 > 0 && $0 < 1 << 20 }
            }
            return !sane(false) && sane(true)
        }
    }
}
