import Foundation
import XCTest

/// A PNG decoded and checked for tests: signature, chunk CRCs, IHDR, IEND, the zlib stream (header, Adler-32),
/// and every scanline's filter. Stored deflate blocks are inflated here; other blocks are inflated by Python's
/// zlib when python3 is available (otherwise the test is skipped with a message). 8-bit grayscale or RGB only.
public struct DecodedPNG {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// (height, width, channels), unfiltered.
    public let pixels: [UInt8]

    public func pixel(_ x: Int, _ y: Int) -> [UInt8] {
        let i = (y * width + x) * channels
        return Array(pixels[i..<(i + channels)])
    }

    /// Mean position of the pixels of exactly this RGB colour; nil when there is none.
    public func centroid(of rgb: (UInt8, UInt8, UInt8)) -> (x: Double, y: Double, count: Int)? {
        precondition(channels == 3)
        var sx = 0.0, sy = 0.0, n = 0
        for y in 0..<height {
            for x in 0..<width {
                let i = (y * width + x) * 3
                if pixels[i] == rgb.0 && pixels[i + 1] == rgb.1 && pixels[i + 2] == rgb.2 { sx += Double(x); sy += Double(y); n += 1 }
            }
        }
        return n > 0 ? (sx / Double(n), sy / Double(n), n) : nil
    }
}

public struct PNGCheckError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

public enum PNGCheck {
    public static func decode(path: String) throws -> DecodedPNG {
        guard let data = FileManager.default.contents(atPath: path) else { throw PNGCheckError("\(path): cannot read") }
        return try decode([UInt8](data))
    }

    public static func decode(_ bytes: [UInt8]) throws -> DecodedPNG {
        guard bytes.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else { throw PNGCheckError("bad signature") }
        var at = 8, ihdr: [UInt8]?, idat = [UInt8](), sawEnd = false
        while at < bytes.count {
            guard at + 12 <= bytes.count else { throw PNGCheckError("truncated chunk at \(at)") }
            let length = Int(be32(bytes, at)), type = String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self)
            guard at + 12 + length <= bytes.count else { throw PNGCheckError("chunk \(type) runs past the end") }
            let typed = Array(bytes[(at + 4)..<(at + 8 + length)])
            guard crc32(typed) == be32(bytes, at + 8 + length) else { throw PNGCheckError("CRC mismatch in chunk \(type)") }
            let body = Array(typed.dropFirst(4))
            switch type {
            case "IHDR": ihdr = body
            case "IDAT": idat += body
            case "IEND": sawEnd = true
            default: break
            }
            at += 12 + length
            if sawEnd { break }
        }
        guard sawEnd, at == bytes.count else { throw PNGCheckError("no IEND at the end") }
        guard let h = ihdr, h.count == 13 else { throw PNGCheckError("missing IHDR") }
        let width = Int(be32(h, 0)), height = Int(be32(h, 4))
        guard width > 0, height > 0, h[8] == 8, h[10] == 0, h[11] == 0, h[12] == 0, h[9] == 0 || h[9] == 2 else {
            throw PNGCheckError("unsupported IHDR \(h)")
        }
        let channels = h[9] == 2 ? 3 : 1
        let raw = try inflate(idat)
        let stride = width * channels
        guard raw.count == height * (stride + 1) else {
            throw PNGCheckError("inflated \(raw.count) bytes, expected \(height * (stride + 1))")
        }
        return DecodedPNG(width: width, height: height, channels: channels,
                          pixels: try unfilter(raw, height: height, stride: stride, bpp: channels))
    }

    /// zlib (RFC 1950): header, deflate data, Adler-32 of the result.
    static func inflate(_ z: [UInt8]) throws -> [UInt8] {
        guard z.count >= 6, z[0] & 0x0f == 8, (Int(z[0]) * 256 + Int(z[1])) % 31 == 0, z[1] & 0x20 == 0 else {
            throw PNGCheckError("bad zlib header")
        }
        var out = [UInt8](), at = 2, final = false
        while !final {
            guard at < z.count else { throw PNGCheckError("deflate data truncated") }
            final = z[at] & 1 == 1
            guard (z[at] >> 1) & 3 == 0 else { return try inflateWithPython(z) }
            let n = Int(z[at + 1]) | Int(z[at + 2]) << 8, nn = Int(z[at + 3]) | Int(z[at + 4]) << 8
            guard n ^ nn == 0xffff, at + 5 + n <= z.count else { throw PNGCheckError("bad stored block at \(at)") }
            out += z[(at + 5)..<(at + 5 + n)]
            at += 5 + n
        }
        guard at + 4 == z.count else { throw PNGCheckError("\(z.count - at) bytes after the deflate data, expected 4") }
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in out { a = (a + UInt32(byte)) % 65_521; b = (b + a) % 65_521 }
        guard be32(z, at) == b << 16 | a else { throw PNGCheckError("Adler-32 mismatch") }
        return out
    }

    /// Compressed blocks: Python's zlib (which checks the Adler-32 itself).
    static func inflateWithPython(_ z: [UInt8]) throws -> [UInt8] {
        let dir = TestPaths.temporaryDirectory("png")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("z"), output = dir.appendingPathComponent("raw")
        try Data(z).write(to: input)
        let r = DiscaRunner.runProcess(["python3", "-c", "import sys, zlib; open(sys.argv[2], 'wb').write(zlib.decompress(open(sys.argv[1], 'rb').read()))",
                                        input.path, output.path], timeoutSeconds: 60)
        if r.status == -1 || r.stderr.contains("No such file") { throw XCTSkip("compressed PNG and no python3 to inflate it") }
        guard r.status == 0, let data = FileManager.default.contents(atPath: output.path) else {
            throw PNGCheckError("zlib stream does not inflate: \(r.stderr)")
        }
        return [UInt8](data)
    }

    /// Undoes the per-row filters 0-4 (none, sub, up, average, Paeth).
    static func unfilter(_ raw: [UInt8], height: Int, stride: Int, bpp: Int) throws -> [UInt8] {
        var out = [UInt8](repeating: 0, count: height * stride)
        for y in 0..<height {
            let filter = raw[y * (stride + 1)], src = y * (stride + 1) + 1, row = y * stride
            for i in 0..<stride {
                let a = i >= bpp ? Int(out[row + i - bpp]) : 0, b = y > 0 ? Int(out[row - stride + i]) : 0
                let c = (i >= bpp && y > 0) ? Int(out[row - stride + i - bpp]) : 0
                let pred: Int
                switch filter {
                case 0: pred = 0
                case 1: pred = a
                case 2: pred = b
                case 3: pred = (a + b) / 2
                case 4:
                    let p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c)
                    pred = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c)
                default: throw PNGCheckError("row \(y): unknown filter \(filter)")
                }
                out[row + i] = UInt8((Int(raw[src + i]) + pred) & 0xff)
            }
        }
        return out
    }

    static func be32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
    }

    /// CRC-32 (ISO 3309, as PNG uses), bit by bit: independent of any table-driven encoder.
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            c ^= UInt32(byte)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return c ^ 0xFFFF_FFFF
    }
}
