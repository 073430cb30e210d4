/// The two checksums a PNG file needs: CRC-32 (ISO 3309 / ITU-T V.42, polynomial 0xEDB88320 reflected) over each
/// chunk's type and data, and Adler-32 (RFC 1950) over the uncompressed bytes of the zlib stream.
public enum PNGChecksum {
    /// The 256-entry table of the reflected CRC-32 polynomial.
    static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    /// Continues a CRC-32 over `bytes`; start with `crc = 0`.
    public static func crc32<C: Collection>(_ bytes: C, continuing crc: UInt32 = 0) -> UInt32 where C.Element == UInt8 {
        var c = crc ^ 0xFFFF_FFFF
        crcTable.withUnsafeBufferPointer { t in
            for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xff)] ^ (c >> 8) }
        }
        return c ^ 0xFFFF_FFFF
    }

    /// Adler-32 of `bytes` (RFC 1950 section 8.2).
    public static func adler32<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        let modulus: UInt32 = 65_521
        var a: UInt32 = 1, b: UInt32 = 0
        var pending = 0
        for byte in bytes {
            a += UInt32(byte); b += a
            pending += 1
            if pending == 5552 { a %= modulus; b %= modulus; pending = 0 }   // 5552: largest run without overflow
        }
        return (b % modulus) << 16 | (a % modulus)
    }
}
