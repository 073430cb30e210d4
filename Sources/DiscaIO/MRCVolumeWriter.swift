import DiscaCore

/// Writes an MRC2014 volume section by section, for volumes that should never be held whole.
///
/// The file is written to `path + ".tmp"`: `create` writes a header with zero statistics, each `write(sections:)`
/// appends whole sections (nx * ny voxels each, (z, y, x) C order), and `finish` patches dmin, dmax, dmean and rms
/// (accumulated slab by slab in `MRCRunningStatistics`, over the values as stored) into the header, syncs, closes
/// and renames the file to `path`. Any error, or dropping the writer before `finish`, removes the temporary file,
/// so a failure never leaves a half-written file under the final name; after an error the writer refuses further
/// calls. Little-endian, columns = X, rows = Y, sections = Z, no extended header.
public final class MRCVolumeWriter {
    /// The final name of the file.
    public let path: String
    /// Voxels along X, Y, Z.
    public let shape: (x: Int, y: Int, z: Int)
    public let mode: MRCWriteMode
    /// Sections written so far.
    public private(set) var sectionsWritten = 0

    private var header: MRCHeader
    private var file: MRCSystemFile?
    private var statistics = MRCRunningStatistics()
    private var temporaryPath: String { path + ".tmp" }
    private var sectionVoxels: Int { shape.x * shape.y }

    private init(path: String, header: MRCHeader, mode: MRCWriteMode, file: MRCSystemFile) {
        self.path = path
        self.header = header
        self.mode = mode
        self.file = file
        shape = (Int(header.nx), Int(header.ny), Int(header.nz))
    }

    deinit {
        if file != nil { MRCSystemFile.removeIfPresent(temporaryPath) }
    }

    /// Starts writing a volume of `shape` voxels along X, Y, Z with the isotropic `voxelSizeAngstrom` (the cell is
    /// `shape * voxelSizeAngstrom`), the origin in angstrom (header words 50-52) and up to ten 80-character labels.
    public static func create(_ path: String, shape: (x: Int, y: Int, z: Int), voxelSizeAngstrom: Double,
                              mode: MRCWriteMode = .float32, originAngstrom: (x: Double, y: Double, z: Double) = (0, 0, 0),
                              labels: [String] = []) throws -> MRCVolumeWriter {
        let sizes = [shape.x, shape.y, shape.z]
        guard sizes.allSatisfy({ $0 > 0 && $0 <= Int(Int32.max) }) else {
            throw DiscaError.badInput("MRC file \(path): cannot write shape \(shape.x) x \(shape.y) x \(shape.z): "
                                      + "each size must be in 1...\(Int32.max)")
        }
        guard voxelSizeAngstrom.isFinite, voxelSizeAngstrom > 0 else {
            throw DiscaError.badInput("MRC file \(path): cannot write voxel size \(voxelSizeAngstrom) A, "
                                      + "must be positive")
        }
        return try create(path, header: MRCHeader.volume(shape: shape, voxelSizeAngstrom: voxelSizeAngstrom, mode: mode,
                                                         originAngstrom: originAngstrom, labels: labels))
    }

    /// Starts writing with `header` as given except nsymbt (0), statistics (computed) and the machine stamp
    /// (little-endian); its mode must be one of `MRCWriteMode` and sections follow its nx, ny, nz.
    static func create(_ path: String, header: MRCHeader) throws -> MRCVolumeWriter {
        guard let mode = MRCWriteMode(rawValue: header.mode) else {
            throw DiscaError.badInput("MRC file \(path): field mode = \(header.mode) is not written "
                                      + "(0 int8 and 2 float32 are)")
        }
        for (name, v) in [("nx", header.nx), ("ny", header.ny), ("nz", header.nz)] where v <= 0 {
            throw DiscaError.badInput("MRC file \(path): field \(name) = \(v), must be positive")
        }
        var h = header
        h.nsymbt = 0
        h.dmin = 0; h.dmax = 0; h.dmean = 0; h.rms = 0
        let file = try MRCSystemFile.createForWriting(path + ".tmp")
        let writer = MRCVolumeWriter(path: path, header: h, mode: mode, file: file)
        try writer.failing { try writer.writeHeader(to: file) }
        return writer
    }

    /// Appends whole sections: `values.count` must be a positive multiple of nx * ny, in (z, y, x) C order.
    public func write(sections values: [Float]) throws {
        try values.withUnsafeBufferPointer { try write(sections: $0) }
    }

    /// Appends whole sections from a buffer (see `write(sections:)` taking an array).
    public func write(sections values: UnsafeBufferPointer<Float>) throws {
        let file = try openFile()
        try failing {
            guard !values.isEmpty, values.count % sectionVoxels == 0 else {
                throw DiscaError.badInput("MRC file \(path): write(sections:) got \(values.count) voxels, not a "
                                          + "whole number of \(shape.x) x \(shape.y) sections")
            }
            let n = values.count / sectionVoxels
            guard sectionsWritten + n <= shape.z else {
                throw DiscaError.badInput("MRC file \(path): write(sections:) of \(n) sections after "
                                          + "\(sectionsWritten) would exceed nz = \(shape.z)")
            }
            let offset = MRCHeader.byteCount + sectionsWritten * sectionVoxels * mode.bytesPerVoxel
            try writeVoxels(values, to: file, at: offset)
            sectionsWritten += n
        }
    }

    /// Checks that all nz sections were written, patches the statistics into the header, syncs, closes and renames
    /// `path + ".tmp"` to `path`.
    public func finish() throws {
        let file = try openFile()
        try failing {
            guard sectionsWritten == shape.z else {
                throw DiscaError.badInput("MRC file \(path): finish() after \(sectionsWritten) of nz = \(shape.z) "
                                          + "sections")
            }
            let s = statistics.header
            header.dmin = s.min; header.dmax = s.max; header.dmean = s.mean; header.rms = s.rms
            try writeHeader(to: file)
            try file.sync()
            try file.close()
            self.file = nil
            try MRCSystemFile.rename(temporaryPath, to: path)
        }
    }

    /// Abandons the file: closes it and removes `path + ".tmp"`. Does nothing once finished or abandoned.
    public func cancel() {
        guard file != nil else { return }
        file = nil
        MRCSystemFile.removeIfPresent(temporaryPath)
    }

    // MARK: - Internals

    private func openFile() throws -> MRCSystemFile {
        guard let file else {
            throw DiscaError.badInput("MRC file \(path): the writer is finished or was abandoned after an error")
        }
        return file
    }

    /// Runs `body`; on any error removes the temporary file before rethrowing.
    private func failing(_ body: () throws -> Void) throws {
        do { try body() } catch {
            file = nil
            MRCSystemFile.removeIfPresent(temporaryPath)
            throw error
        }
    }

    private func writeHeader(to file: MRCSystemFile) throws {
        try header.encodedLittleEndian().withUnsafeBytes { try file.write($0, at: 0) }
    }

    /// Converts `values` to the stored values of `mode`, adds them to the statistics and writes their bytes.
    private func writeVoxels(_ values: UnsafeBufferPointer<Float>, to file: MRCSystemFile, at offset: Int) throws {
        if mode == .float32 {
            statistics.add(values)
            #if _endian(little)
            try file.write(UnsafeRawBufferPointer(values), at: offset)
            return
            #endif
        }
        var stored = [Float](repeating: 0, count: values.count)
        if mode == .float32 {
            stored = Array(values)
        } else {
            for (i, v) in values.enumerated() {
                guard let s = MRCVoxelEncoder.storedValue(v, mode: mode) else {
                    let index = sectionsWritten * sectionVoxels + i
                    throw DiscaError.badInput("MRC file \(path): voxel \(index) (C order) is NaN, which mode "
                                              + "\(mode.rawValue) (int8) cannot store")
                }
                stored[i] = s
            }
            stored.withUnsafeBufferPointer { statistics.add($0) }
        }
        var bytes = [UInt8](repeating: 0, count: values.count * mode.bytesPerVoxel)
        stored.withUnsafeBufferPointer { s in
            bytes.withUnsafeMutableBytes { MRCVoxelEncoder.encode(s, mode: mode, into: $0) }
        }
        try bytes.withUnsafeBytes { try file.write($0, at: offset) }
    }
}
