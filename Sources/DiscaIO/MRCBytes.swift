import DiscaCore
import Foundation

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

/// Converts the voxel bytes of one MRC mode to Float, in storage order.
enum MRCVoxelDecoder {
    /// `raw` holds `count` voxels of `mode` in the given byte order.
    static func decode(_ raw: UnsafeRawBufferPointer, mode: Int32, count: Int, bigEndian: Bool) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        let swap = bigEndian   // bytes are assembled little-endian below; swap when the file is big-endian
        out.withUnsafeMutableBufferPointer { o in
            switch mode {
            case 0:
                for i in 0..<count { o[i] = Float(Int8(bitPattern: raw[i])) }
            case 1:
                for i in 0..<count {
                    var u = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
                    if swap { u = u.byteSwapped }
                    o[i] = Float(Int16(bitPattern: u))
                }
            case 6:
                for i in 0..<count {
                    var u = UInt16(raw[2 * i]) | UInt16(raw[2 * i + 1]) << 8
                    if swap { u = u.byteSwapped }
                    o[i] = Float(u)
                }
            case 2:
                for i in 0..<count {
                    var u = UInt32(raw[4 * i]) | UInt32(raw[4 * i + 1]) << 8
                        | UInt32(raw[4 * i + 2]) << 16 | UInt32(raw[4 * i + 3]) << 24
                    if swap { u = u.byteSwapped }
                    o[i] = Float(bitPattern: u)
                }
            default:
                preconditionFailure("mode \(mode) is checked before decoding")
            }
        }
        return out
    }
}

/// File access for MRC files: every failure becomes a `DiscaError` naming the file.
enum MRCFileAccess {
    static func size(of path: String) throws -> Int {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = (attributes[.size] as? NSNumber)?.intValue else {
            throw DiscaError.badInput("MRC file \(path): cannot be opened (missing or unreadable)")
        }
        return size
    }

    /// Reads `count` bytes starting at `offset`; throws if the file is shorter.
    static func read(_ path: String, offset: Int, count: Int, what: String) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw DiscaError.badInput("MRC file \(path): cannot be opened for reading")
        }
        defer { try? handle.close() }
        do {
            try handle.seek(toOffset: UInt64(offset))
            let data = try handle.read(upToCount: count) ?? Data()
            guard data.count == count else {
                throw DiscaError.badInput(
                    "MRC file \(path): truncated \(what): needs \(count) bytes at offset \(offset), has \(data.count)")
            }
            return [UInt8](data)
        } catch let e as DiscaError {
            throw e
        } catch {
            throw DiscaError.badInput("MRC file \(path): reading \(what) failed: \(error)")
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DiscaError.runtime("MRC file \(path): writing failed: \(error)")
        }
    }
}
