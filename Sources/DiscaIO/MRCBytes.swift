/// Reads 4-byte numbers from a byte array in a chosen byte order.
struct MRCByteReader {
    let bytes: [UInt8]
    let bigEndian: Bool

    @inline(__always) func uint32(at offset: Int) -> UInt32 {
        let b0 = UInt32(bytes[offset]), b1 = UInt32(bytes[offset + 1])
        let b2 = UInt32(bytes[offset + 2]), b3 = UInt32(bytes[offset + 3])
        return bigEndian ? (b0 << 24 | b1 << 16 | b2 << 8 | b3) : (b3 << 24 | b2 << 16 | b1 << 8 | b0)
    }
    @inline(__always) func int32(at offset: Int) -> Int32 { Int32(bitPattern: uint32(at: offset)) }
    @inline(__always) func float32(at offset: Int) -> Float { Float(bitPattern: uint32(at: offset)) }
}

/// Writes little-endian 4-byte numbers into a byte array.
struct MRCByteWriter {
    var bytes: [UInt8]
    init(count: Int) { bytes = [UInt8](repeating: 0, count: count) }

    mutating func setUInt32(_ v: UInt32, at offset: Int) {
        bytes[offset] = UInt8(v & 0xff); bytes[offset + 1] = UInt8(v >> 8 & 0xff)
        bytes[offset + 2] = UInt8(v >> 16 & 0xff); bytes[offset + 3] = UInt8(v >> 24)
    }
    mutating func setInt32(_ v: Int32, at offset: Int) { setUInt32(UInt32(bitPattern: v), at: offset) }
    mutating func setFloat32(_ v: Float, at offset: Int) { setUInt32(v.bitPattern, at: offset) }
}

/// Converts the voxel bytes of one MRC mode to Float, in storage order. Integers convert exactly; float16 (mode 12)
/// decodes exactly through `MRCFloat16`.
enum MRCVoxelDecoder {
    /// `raw` holds `count` voxels of `mode` in the given byte order.
    static func decode(_ raw: UnsafeRawBufferPointer, mode: Int32, count: Int, bigEndian: Bool) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { out, initialized in
            decode(raw, mode: mode, bigEndian: bigEndian, into: out)
            initialized = count
        }
    }

    /// Decodes `out.count` voxels of `mode` from the start of `raw` (at least `out.count * bytesPerVoxel` bytes).
    static func decode(_ raw: UnsafeRawBufferPointer, mode: Int32, bigEndian: Bool,
                       into out: UnsafeMutableBufferPointer<Float>) {
        let count = out.count
        assert(raw.count >= count * (MRCHeader.bytesPerVoxel(mode: mode) ?? 0))
        @inline(__always) func u16(_ i: Int) -> UInt16 {
            let u = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8   // assembled little-endian
            return bigEndian ? u.byteSwapped : u
        }
        switch mode {
        case 0:
            for i in 0..<count { out[i] = Float(Int8(bitPattern: raw[i])) }
        case 1:
            for i in 0..<count { out[i] = Float(Int16(bitPattern: u16(i))) }
        case 6:
            for i in 0..<count { out[i] = Float(u16(i)) }
        case 12:
            for i in 0..<count { out[i] = MRCFloat16.float(fromBits: u16(i)) }
        case 2:
            for i in 0..<count {
                var u = UInt32(raw[4 * i]) | UInt32(raw[4 * i + 1]) << 8
                    | UInt32(raw[4 * i + 2]) << 16 | UInt32(raw[4 * i + 3]) << 24
                if bigEndian { u = u.byteSwapped }
                out[i] = Float(bitPattern: u)
            }
        default:
            preconditionFailure("mode \(mode) is checked before decoding")
        }
    }
}

/// The modes disca writes.
public enum MRCWriteMode: Int32, Sendable, CaseIterable {
    /// Mode 0, signed 8-bit integers, for label maps: values are rounded to nearest (halves away from zero) and
    /// clamped to -128...127.
    case int8 = 0
    /// Mode 2, 32-bit IEEE floats, stored exactly.
    case float32 = 2

    var bytesPerVoxel: Int { self == .int8 ? 1 : 4 }
}

/// Converts Float voxels to the stored values and little-endian bytes of a write mode.
enum MRCVoxelEncoder {
    /// The value a voxel takes once stored: itself for float32; rounded and clamped for int8 (NaN is nil there).
    @inline(__always)
    static func storedValue(_ v: Float, mode: MRCWriteMode) -> Float? {
        switch mode {
        case .float32: return v
        case .int8: return v.isNaN ? nil : Swift.min(127, Swift.max(-128, v.rounded()))
        }
    }

    /// Writes `values`, already stored values (see `storedValue`), as little-endian bytes of `mode` into `out`
    /// (`values.count * mode.bytesPerVoxel` bytes).
    static func encode(_ values: UnsafeBufferPointer<Float>, mode: MRCWriteMode, into out: UnsafeMutableRawBufferPointer) {
        assert(out.count >= values.count * mode.bytesPerVoxel)
        switch mode {
        case .int8:
            for (i, v) in values.enumerated() { out[i] = UInt8(bitPattern: Int8(v)) }
        case .float32:
            for (i, v) in values.enumerated() {
                let u = v.bitPattern
                out[4 * i] = UInt8(u & 0xff); out[4 * i + 1] = UInt8(u >> 8 & 0xff)
                out[4 * i + 2] = UInt8(u >> 16 & 0xff); out[4 * i + 3] = UInt8(u >> 24)
            }
        }
    }
}
