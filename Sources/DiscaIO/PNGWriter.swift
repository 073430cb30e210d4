import DiscaCore
import Foundation

/// An 8-bit image: `channels` = 1 (grayscale) or 3 (RGB), pixels row by row, channels interleaved.
public struct PNGImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]   // (height, width, channels)

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(channels == 1 || channels == 3, "PNGImage: channels must be 1 or 3")
        precondition(width > 0 && height > 0 && pixels.count == width * height * channels,
                     "PNGImage: \(pixels.count) pixel bytes for \(width) x \(height) x \(channels)")
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    /// A blank image filled with one gray level (or one colour, repeated per channel).
    public init(width: Int, height: Int, channels: Int, fill: UInt8 = 0) {
        self.init(width: width, height: height, channels: channels,
                  pixels: [UInt8](repeating: fill, count: width * height * channels))
    }
}

/// A self-contained PNG encoder (ISO/IEC 15948): IHDR, one IDAT holding a zlib stream of stored (uncompressed)
/// deflate blocks, IEND. No filtering (filter type 0 on every row), no external zlib. Files are about as large as
/// the raw pixels, which is fine for montages and figures.
public enum PNGWriter {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    /// Largest payload of one stored deflate block.
    static let storedBlockLimit = 65_535

    public static func encode(_ image: PNGImage) -> [UInt8] {
        var out = signature
        var header = [UInt8]()
        appendBigEndian(&header, UInt32(image.width))
        appendBigEndian(&header, UInt32(image.height))
        header += [8, image.channels == 1 ? 0 : 2, 0, 0, 0]   // bit depth, colour type, compression, filter, interlace
        appendChunk(&out, type: "IHDR", data: header)
        // Scanlines: one filter byte (0 = none) before each row.
        let rowBytes = image.width * image.channels
        var raw = [UInt8]()
        raw.reserveCapacity(image.height * (rowBytes + 1))
        for y in 0..<image.height {
            raw.append(0)
            raw += image.pixels[(y * rowBytes)..<((y + 1) * rowBytes)]
        }
        appendChunk(&out, type: "IDAT", data: zlibStored(raw))
        appendChunk(&out, type: "IEND", data: [])
        return out
    }

    public static func write(_ image: PNGImage, to path: String) throws {
        do {
            try Data(encode(image)).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw DiscaError.runtime("PNG file \(path): writing failed: \(error)")
        }
    }

    /// A zlib stream (RFC 1950) whose deflate data (RFC 1951) is a sequence of stored blocks.
    static func zlibStored(_ raw: [UInt8]) -> [UInt8] {
        var z: [UInt8] = [0x78, 0x01]   // CM 8 (deflate), CINFO 7 (32 KiB window), FLEVEL 0; (0x7801 % 31 == 0)
        var start = 0
        repeat {
            let n = min(storedBlockLimit, raw.count - start)
            let last: UInt8 = start + n == raw.count ? 1 : 0
            z.append(last)                                   // BFINAL, BTYPE 00 (stored), padded to the byte
            z += [UInt8(n & 0xff), UInt8(n >> 8), UInt8(~n & 0xff), UInt8((~n >> 8) & 0xff)]   // LEN, NLEN
            z += raw[start..<(start + n)]
            start += n
        } while start < raw.count
        appendBigEndian(&z, PNGChecksum.adler32(raw))
        return z
    }

    static func appendChunk(_ out: inout [UInt8], type: String, data: [UInt8]) {
        let typeBytes = Array(type.utf8)
        appendBigEndian(&out, UInt32(data.count))
        out += typeBytes
        out += data
        appendBigEndian(&out, PNGChecksum.crc32(data, continuing: PNGChecksum.crc32(typeBytes)))
    }

    static func appendBigEndian(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }
}
