/// The 1024-byte main header of an MRC2014 file (Cheng et al., J. Struct. Biol. 192, 2015; ccpem.ac.uk/mrc_format),
/// spelled out field by field. Words are 4 bytes; the word numbers below are 1-based as in the standard.
///
/// Storage order: the data are `nz` sections of `ny` rows of `nx` columns (columns fastest). `mapc`, `mapr`, `maps`
/// say which spatial axis (1 = X, 2 = Y, 3 = Z) the columns, rows and sections run along. The unit cell is `cella`
/// angstrom along X, Y, Z, sampled by `mx`, `my`, `mz` intervals, so the voxel size along X is `cella.x / mx`.
public struct MRCHeader: Equatable, Sendable {
    /// Words 1-3: columns, rows, sections (storage order).
    public var nx: Int32 = 0, ny: Int32 = 0, nz: Int32 = 0
    /// Word 4: data type (0 int8, 1 int16, 2 float32, 6 uint16, 12 float16 are read here; 0 and 2 are written).
    public var mode: Int32 = 2
    /// Words 5-7 (NXSTART, NYSTART, NZSTART, also called NCSTART, NRSTART, NSSTART): the grid index, in the unit
    /// cell, of the first stored column, row and section. They follow the storage axes, so with permuted
    /// `mapc`/`mapr`/`maps` they are permuted too (MRC2014 update 20141); `MRCMap.startIndex` gives them per
    /// spatial axis.
    public var nxstart: Int32 = 0, nystart: Int32 = 0, nzstart: Int32 = 0
    /// Words 8-10: sampling intervals of the unit cell along X, Y, Z.
    public var mx: Int32 = 0, my: Int32 = 0, mz: Int32 = 0
    /// Words 11-13: cell dimensions in angstrom along X, Y, Z.
    public var cellaX: Float = 0, cellaY: Float = 0, cellaZ: Float = 0
    /// Words 14-16: cell angles in degrees (alpha, beta, gamma).
    public var cellbAlpha: Float = 90, cellbBeta: Float = 90, cellbGamma: Float = 90
    /// Words 17-19: spatial axis (1 X, 2 Y, 3 Z) of columns, rows, sections.
    public var mapc: Int32 = 1, mapr: Int32 = 2, maps: Int32 = 3
    /// Words 20-22: minimum, maximum, mean density.
    public var dmin: Float = 0, dmax: Float = 0, dmean: Float = 0
    /// Word 23: space group (0 image stack, 1 single volume, 401 volume stack).
    public var ispg: Int32 = 1
    /// Word 24: bytes of extended header after the main header.
    public var nsymbt: Int32 = 0
    /// Words 25-49: 100 bytes of extra space; bytes 105-108 (words 27) hold EXTTYP, bytes 109-112 (word 28) NVERSION.
    public var extra: [UInt8] = [UInt8](repeating: 0, count: 100)
    /// Words 50-52 (ORIGIN): for image modes, the real-space position in angstrom along X, Y, Z of this grid's
    /// first voxel, as for a subvolume cut from a larger volume (MRC2014 table note 10); for transforms (modes 3,
    /// 4) a phase origin in pixels. See `MRCMap.gridOriginAngstrom` for how disca combines it with NXSTART.
    public var originX: Float = 0, originY: Float = 0, originZ: Float = 0
    /// Word 53: the characters 'MAP ' (bytes 209-212); the reader requires the first three, as mrcfile does.
    public var map: [UInt8] = Array("MAP ".utf8)
    /// Word 54: machine stamp (0x44 0x44 0 0 little-endian, 0x11 0x11 0 0 big-endian).
    public var machst: [UInt8] = [0x44, 0x44, 0, 0]
    /// Word 55: RMS deviation of the densities from their mean.
    public var rms: Float = 0
    /// Word 56: number of labels in use.
    public var nlabl: Int32 = 0
    /// Words 57-256: ten 80-character labels.
    public var labels: [String] = []

    public static let byteCount = 1024

    public init() {
        setVersion2014()
    }

    /// Bytes per voxel of a mode this reader supports, or nil.
    public static func bytesPerVoxel(mode: Int32) -> Int? {
        switch mode {
        case 0: return 1
        case 1, 6, 12: return 2
        case 2: return 4
        default: return nil
        }
    }

    /// The supported modes, as error messages list them.
    static let supportedModes = "0 int8, 1 int16, 2 float32, 6 uint16, 12 float16"

    /// A header for a volume stored columns = X, rows = Y, sections = Z, of `shape` voxels along X, Y, Z, with the
    /// cell `shape * voxelSizeAngstrom` so that readers recover the voxel size as cell / grid. Statistics are zero.
    static func volume(shape: (x: Int, y: Int, z: Int), voxelSizeAngstrom: Double, mode: MRCWriteMode,
                       originAngstrom: (x: Double, y: Double, z: Double), labels: [String]) -> MRCHeader {
        var h = MRCHeader()
        h.nx = Int32(clamping: shape.x); h.ny = Int32(clamping: shape.y); h.nz = Int32(clamping: shape.z)
        h.mode = mode.rawValue
        h.mx = h.nx; h.my = h.ny; h.mz = h.nz
        h.cellaX = Float(Double(shape.x) * voxelSizeAngstrom)
        h.cellaY = Float(Double(shape.y) * voxelSizeAngstrom)
        h.cellaZ = Float(Double(shape.z) * voxelSizeAngstrom)
        h.originX = Float(originAngstrom.x); h.originY = Float(originAngstrom.y); h.originZ = Float(originAngstrom.z)
        h.labels = labels
        return h
    }

    /// EXTTYP (4 characters in word 27), for example "FEI1"; empty when unset.
    public var extendedHeaderType: String {
        String(decoding: extra[8..<12].filter { $0 != 0 }, as: UTF8.self).mrcTrimmed()
    }

    /// NVERSION (word 28): 20140 for files written to MRC2014.
    public func version(bigEndian: Bool) -> Int32 {
        let b = Array(extra[12..<16])
        let u = bigEndian
            ? UInt32(b[0]) << 24 | UInt32(b[1]) << 16 | UInt32(b[2]) << 8 | UInt32(b[3])
            : UInt32(b[3]) << 24 | UInt32(b[2]) << 16 | UInt32(b[1]) << 8 | UInt32(b[0])
        return Int32(bitPattern: u)
    }

    mutating func setVersion2014() {
        let v = UInt32(20140)
        extra[12] = UInt8(v & 0xff); extra[13] = UInt8(v >> 8 & 0xff)
        extra[14] = UInt8(v >> 16 & 0xff); extra[15] = UInt8(v >> 24)
    }
}

extension MRCHeader {
    /// Decodes a 1024-byte header; `bigEndian` chooses the byte order of numbers.
    init(bytes b: [UInt8], bigEndian: Bool) {
        precondition(b.count >= MRCHeader.byteCount)
        let r = MRCByteReader(bytes: b, bigEndian: bigEndian)
        func w(_ word: Int) -> Int32 { r.int32(at: 4 * (word - 1)) }
        func f(_ word: Int) -> Float { r.float32(at: 4 * (word - 1)) }
        nx = w(1); ny = w(2); nz = w(3); mode = w(4)
        nxstart = w(5); nystart = w(6); nzstart = w(7)
        mx = w(8); my = w(9); mz = w(10)
        cellaX = f(11); cellaY = f(12); cellaZ = f(13)
        cellbAlpha = f(14); cellbBeta = f(15); cellbGamma = f(16)
        mapc = w(17); mapr = w(18); maps = w(19)
        dmin = f(20); dmax = f(21); dmean = f(22)
        ispg = w(23); nsymbt = w(24)
        extra = Array(b[96..<196])
        originX = f(50); originY = f(51); originZ = f(52)
        map = Array(b[208..<212]); machst = Array(b[212..<216])
        rms = f(55); nlabl = w(56)
        let count = Int(max(0, min(10, nlabl)))
        labels = (0..<count).map { i in
            let raw = b[(224 + 80 * i)..<(224 + 80 * (i + 1))].filter { $0 != 0 }
            return String(decoding: raw, as: UTF8.self).mrcTrimmed()
        }
    }

    /// Encodes the header as 1024 little-endian bytes (the machine stamp is set to little-endian).
    func encodedLittleEndian() -> [UInt8] {
        var out = MRCByteWriter(count: MRCHeader.byteCount)
        func w(_ word: Int, _ v: Int32) { out.setInt32(v, at: 4 * (word - 1)) }
        func f(_ word: Int, _ v: Float) { out.setFloat32(v, at: 4 * (word - 1)) }
        w(1, nx); w(2, ny); w(3, nz); w(4, mode)
        w(5, nxstart); w(6, nystart); w(7, nzstart)
        w(8, mx); w(9, my); w(10, mz)
        f(11, cellaX); f(12, cellaY); f(13, cellaZ)
        f(14, cellbAlpha); f(15, cellbBeta); f(16, cellbGamma)
        w(17, mapc); w(18, mapr); w(19, maps)
        f(20, dmin); f(21, dmax); f(22, dmean)
        w(23, ispg); w(24, nsymbt)
        out.bytes.replaceSubrange(96..<196, with: extra.prefix(100) + [UInt8](repeating: 0, count: max(0, 100 - extra.count)))
        f(50, originX); f(51, originY); f(52, originZ)
        out.bytes.replaceSubrange(208..<212, with: Array("MAP ".utf8))
        out.bytes.replaceSubrange(212..<216, with: [0x44, 0x44, 0, 0])
        f(55, rms)
        let used = Array(labels.prefix(10))
        w(56, Int32(used.count))
        for (i, label) in used.enumerated() {
            var raw = Array(label.utf8.prefix(80))
            raw += [UInt8](repeating: 0x20, count: 80 - raw.count)
            out.bytes.replaceSubrange((224 + 80 * i)..<(224 + 80 * (i + 1)), with: raw)
        }
        return out.bytes
    }
}

extension String {
    func mrcTrimmed() -> String {
        var s = Substring(self)
        while let c = s.last, c == " " || c == "\0" { s.removeLast() }
        while let c = s.first, c == " " { s.removeFirst() }
        return String(s)
    }
}
