import DiscaCore

/// Reading and writing MRC2014 density maps.
///
/// Reads modes 0 (int8), 1 (int16), 2 (float32) and 6 (uint16) in either byte order (from the machine stamp),
/// skips the extended header (`nsymbt` bytes), and returns the voxels in spatial (z, y, x) C order whatever the
/// file's `mapc`/`mapr`/`maps`. Writes mode 2 (float32), little-endian, columns = X, rows = Y, sections = Z.
public enum MRCFile {
    /// Largest number of voxels accepted (2^31 - 1), so that sizes fit the 32-bit fields and memory stays sane.
    public static let maximumVoxels = Int(Int32.max)

    /// Reads a whole map. Every malformed field is a `DiscaError.badInput` naming the file and the field.
    public static func read(_ path: String) throws -> MRCMap {
        let fileSize = try MRCFileAccess.size(of: path)
        guard fileSize >= MRCHeader.byteCount else {
            throw DiscaError.badInput(
                "MRC file \(path): truncated header: \(fileSize) bytes, an MRC header needs \(MRCHeader.byteCount)")
        }
        let headerBytes = try MRCFileAccess.read(path, offset: 0, count: MRCHeader.byteCount, what: "header")
        let bigEndian = byteOrderIsBig(headerBytes)
        let h = MRCHeader(bytes: headerBytes, bigEndian: bigEndian)
        let (count, bytesPerVoxel, mapping) = try validate(h, path: path)
        let offset = MRCHeader.byteCount + Int(h.nsymbt)
        let needed = offset + count * bytesPerVoxel
        guard fileSize >= needed else {
            throw DiscaError.badInput(
                "MRC file \(path): truncated data: header says \(h.nx) x \(h.ny) x \(h.nz) voxels of mode \(h.mode) "
                + "after \(h.nsymbt) bytes of extended header (\(needed) bytes in all), file has \(fileSize)")
        }
        let raw = try MRCFileAccess.read(path, offset: offset, count: count * bytesPerVoxel, what: "voxel data")
        let storage = raw.withUnsafeBytes {
            MRCVoxelDecoder.decode($0, mode: h.mode, count: count, bigEndian: bigEndian)
        }
        let (data, shape) = MRCMap.spatialOrder(storage, nx: Int(h.nx), ny: Int(h.ny), nz: Int(h.nz),
                                                mapping: mapping)
        func voxel(_ cell: Float, _ m: Int32) -> Double { m > 0 ? Double(cell) / Double(m) : 0 }
        return MRCMap(header: h, shape: shape, data: data,
                      voxelSizeAngstrom: (voxel(h.cellaX, h.mx), voxel(h.cellaY, h.my), voxel(h.cellaZ, h.mz)),
                      originAngstrom: (Double(h.originX), Double(h.originY), Double(h.originZ)),
                      bigEndian: bigEndian)
    }

    /// Writes a float32 map. `data` is in (z, y, x) C order with `shape` = (depth, height, width);
    /// the cell is `shape * voxelSizeAngstrom`, so readers recover the voxel size as cell / grid.
    public static func write(_ path: String, data: [Float], shape: [Int], voxelSizeAngstrom: Double,
                             originAngstrom: (x: Double, y: Double, z: Double) = (0, 0, 0),
                             labels: [String] = []) throws {
        guard shape.count == 3, shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == data.count,
              data.count <= maximumVoxels else {
            throw DiscaError.badInput("MRC file \(path): cannot write shape \(shape) with \(data.count) voxels")
        }
        var h = MRCHeader()
        h.nx = Int32(shape[2]); h.ny = Int32(shape[1]); h.nz = Int32(shape[0])
        h.mode = 2
        h.mx = h.nx; h.my = h.ny; h.mz = h.nz
        h.cellaX = Float(Double(shape[2]) * voxelSizeAngstrom)
        h.cellaY = Float(Double(shape[1]) * voxelSizeAngstrom)
        h.cellaZ = Float(Double(shape[0]) * voxelSizeAngstrom)
        h.originX = Float(originAngstrom.x); h.originY = Float(originAngstrom.y); h.originZ = Float(originAngstrom.z)
        h.labels = labels
        try write(path, header: h, storageData: data)
    }

    /// Writes `header` as given (statistics recomputed, mode must be 2) followed by `storageData` in storage order
    /// (sections, rows, columns). For callers that need unusual headers, such as permuted axes in tests.
    public static func write(_ path: String, header: MRCHeader, storageData: [Float]) throws {
        var h = header
        guard h.mode == 2 else {
            throw DiscaError.badInput("MRC file \(path): only mode 2 (float32) is written, header has mode \(h.mode)")
        }
        guard Int(h.nx) * Int(h.ny) * Int(h.nz) == storageData.count else {
            throw DiscaError.badInput("MRC file \(path): header grid \(h.nx) x \(h.ny) x \(h.nz) does not match "
                                      + "\(storageData.count) voxels")
        }
        h.nsymbt = 0
        let stats = statistics(storageData)
        h.dmin = stats.min; h.dmax = stats.max; h.dmean = stats.mean; h.rms = stats.rms
        var bytes = h.encodedLittleEndian()
        bytes.reserveCapacity(MRCHeader.byteCount + 4 * storageData.count)
        var body = MRCByteWriter(count: 4 * storageData.count)
        for (i, v) in storageData.enumerated() { body.setFloat32(v, at: 4 * i) }
        bytes += body.bytes
        try MRCFileAccess.write(bytes, to: path)
    }
}

extension MRCFile {
    /// The byte order from the machine stamp (word 54); for a missing stamp, the order in which mode and sizes
    /// look sane (little-endian when both or neither do), as mrcfile does.
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

    /// Checks the fields the reader relies on; returns voxel count, bytes per voxel and the axis mapping.
    static func validate(_ h: MRCHeader, path: String) throws -> (Int, Int, (c: Int, r: Int, s: Int)) {
        for (name, v) in [("nx", h.nx), ("ny", h.ny), ("nz", h.nz)] where v <= 0 {
            throw DiscaError.badInput("MRC file \(path): field \(name) = \(v), must be positive")
        }
        let (count, overflow) = (Int(h.nx) * Int(h.ny)).multipliedReportingOverflow(by: Int(h.nz))
        guard !overflow, count <= maximumVoxels else {
            throw DiscaError.badInput("MRC file \(path): fields nx, ny, nz = \(h.nx) x \(h.ny) x \(h.nz) give "
                                      + "more than the \(maximumVoxels) voxels accepted")
        }
        guard let bytesPerVoxel = MRCHeader.bytesPerVoxel(mode: h.mode) else {
            throw DiscaError.badInput("MRC file \(path): field mode = \(h.mode) is not supported "
                                      + "(0 int8, 1 int16, 2 float32, 6 uint16 are)")
        }
        guard h.nsymbt >= 0 else {
            throw DiscaError.badInput("MRC file \(path): field nsymbt = \(h.nsymbt), must not be negative")
        }
        guard let mapping = MRCMap.axisMapping(h) else {
            throw DiscaError.badInput("MRC file \(path): fields mapc, mapr, maps = \(h.mapc), \(h.mapr), \(h.maps) "
                                      + "are not a permutation of 1, 2, 3")
        }
        return (count, bytesPerVoxel, mapping)
    }

    /// Minimum, maximum, mean and RMS deviation from the mean (header words 20-22 and 55), in double precision.
    static func statistics(_ data: [Float]) -> (min: Float, max: Float, mean: Float, rms: Float) {
        guard !data.isEmpty else { return (0, 0, 0, 0) }
        var lo = data[0], hi = data[0], sum = 0.0
        for v in data { lo = Swift.min(lo, v); hi = Swift.max(hi, v); sum += Double(v) }
        let mean = sum / Double(data.count)
        var ss = 0.0
        for v in data { let d = Double(v) - mean; ss += d * d }
        return (lo, hi, Float(mean), Float((ss / Double(data.count)).squareRoot()))
    }
}
