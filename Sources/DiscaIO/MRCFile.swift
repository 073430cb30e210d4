import DiscaCore

/// Reading and writing MRC2014 density maps (Cheng et al., J. Struct. Biol. 192, 2015).
///
/// Reads modes 0 (int8), 1 (int16), 2 (float32), 6 (uint16) and 12 (float16) in either byte order (from the machine
/// stamp), skips the extended header (`nsymbt` bytes), and returns the voxels in spatial (z, y, x) C order whatever
/// the file's `mapc`/`mapr`/`maps`. Modes 3 and 4 (complex transforms) and all others are bad input. Headers are
/// validated by `MRCLayout`, shared with `MRCVolumeReader` (which reads large tomograms section by section).
/// Writes mode 2 (float32) or mode 0 (int8, for label maps), little-endian, columns = X, rows = Y, sections = Z,
/// through `MRCVolumeWriter` (temporary file, renamed into place when whole).
public enum MRCFile {
    /// Largest number of voxels a whole read accepts (2^31 - 1), so that sizes fit the 32-bit fields and memory
    /// stays sane.
    public static let maximumVoxels = Int(Int32.max)

    /// Reads a whole map. Every malformed field is a `DiscaError.badInput` naming the file and the field.
    public static func read(_ path: String) throws -> MRCMap {
        let layout = try MRCLayout.open(path, maximumVoxels: maximumVoxels)
        let h = layout.header
        let count = layout.voxelCount
        var raw = [UInt8](repeating: 0, count: count * layout.bytesPerVoxel)
        let file = try MRCSystemFile.openForReading(path)
        try raw.withUnsafeMutableBytes { try file.read(into: $0, at: layout.dataOffset, what: "voxel data") }
        try file.close()
        let storage = raw.withUnsafeBytes {
            MRCVoxelDecoder.decode($0, mode: h.mode, count: count, bigEndian: layout.bigEndian)
        }
        raw = []
        let (data, shape) = MRCMap.spatialOrder(storage, nx: Int(h.nx), ny: Int(h.ny), nz: Int(h.nz),
                                                mapping: layout.mapping)
        return MRCMap(header: h, shape: shape, data: data, voxelSizeAngstrom: layout.voxelSizeAngstrom,
                      originAngstrom: layout.originAngstrom, startIndex: layout.startIndex,
                      bigEndian: layout.bigEndian)
    }

    /// Writes a map. `data` is in (z, y, x) C order with `shape` = (depth, height, width); the cell is
    /// `shape * voxelSizeAngstrom`, so readers recover the voxel size as cell / grid. In mode `.int8` values are
    /// rounded to nearest and clamped to -128...127 (NaN is bad input); header statistics are of the stored values.
    public static func write(_ path: String, data: [Float], shape: [Int], voxelSizeAngstrom: Double,
                             originAngstrom: (x: Double, y: Double, z: Double) = (0, 0, 0),
                             labels: [String] = [], mode: MRCWriteMode = .float32) throws {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == data.count,
              data.count <= maximumVoxels else {
            throw DiscaError.badInput("MRC file \(path): cannot write shape \(shape) with \(data.count) voxels")
        }
        let h = MRCHeader.volume(shape: (shape[2], shape[1], shape[0]), voxelSizeAngstrom: voxelSizeAngstrom,
                                 mode: mode, originAngstrom: originAngstrom, labels: labels)
        try write(path, header: h, storageData: data)
    }

    /// Writes `header` as given (nsymbt 0, statistics recomputed, mode 0 or 2) followed by `storageData` in storage
    /// order (sections, rows, columns). For callers that need unusual headers, such as permuted axes in tests.
    public static func write(_ path: String, header: MRCHeader, storageData: [Float]) throws {
        guard MRCWriteMode(rawValue: header.mode) != nil else {
            throw DiscaError.badInput("MRC file \(path): only modes 0 (int8) and 2 (float32) are written, header "
                                      + "has mode \(header.mode)")
        }
        guard Int(header.nx) * Int(header.ny) * Int(header.nz) == storageData.count else {
            throw DiscaError.badInput("MRC file \(path): header grid \(header.nx) x \(header.ny) x \(header.nz) does "
                                      + "not match \(storageData.count) voxels")
        }
        let writer = try MRCVolumeWriter.create(path, header: header)
        try writer.write(sections: storageData)
        try writer.finish()
    }
}

extension MRCFile {
    /// Minimum, maximum, mean and RMS deviation from the mean (header words 20-22 and 55), in double precision.
    static func statistics(_ data: [Float]) -> (min: Float, max: Float, mean: Float, rms: Float) {
        var s = MRCRunningStatistics()
        data.withUnsafeBufferPointer { s.add($0) }
        return s.header
    }
}
