@testable import DiscaIO
import XCTest

final class PNGTests: XCTestCase {
    func testChecksumsMatchPublishedValues() {
        XCTAssertEqual(PNGChecksum.crc32(Array("123456789".utf8)), 0xCBF4_3926)      // CRC-32 check value
        XCTAssertEqual(PNGChecksum.crc32(Array("IEND".utf8)), 0xAE42_6082)           // every PNG ends with it
        XCTAssertEqual(PNGChecksum.adler32(Array("Wikipedia".utf8)), 0x11E6_0398)    // RFC 1950 example
        XCTAssertEqual(PNGChecksum.adler32([UInt8]()), 1)
        // Long input exercises the deferred modulo.
        let long = [UInt8](repeating: 0xff, count: 100_000)
        var a: UInt64 = 1, b: UInt64 = 0
        for byte in long { a = (a + UInt64(byte)) % 65521; b = (b + a) % 65521 }
        XCTAssertEqual(PNGChecksum.adler32(long), UInt32(b << 16 | a))
    }

    /// A minimal decoder for what the writer produces: chunk CRCs, zlib header, stored blocks, Adler-32, filter 0.
    private func decode(_ png: [UInt8]) throws -> PNGImage {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
        var at = 8, width = 0, height = 0, channels = 0, idat = [UInt8](), types = [String]()
        while at < png.count {
            let length = be32(at)
            let type = String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self)
            let body = Array(png[(at + 8)..<(at + 8 + length)])
            XCTAssertEqual(UInt32(be32(at + 8 + length)), PNGChecksum.crc32(png[(at + 4)..<(at + 8 + length)]),
                           "CRC of \(type)")
            types.append(type)
            if type == "IHDR" {
                width = Int(body[0]) << 24 | Int(body[1]) << 16 | Int(body[2]) << 8 | Int(body[3])
                height = Int(body[4]) << 24 | Int(body[5]) << 16 | Int(body[6]) << 8 | Int(body[7])
                XCTAssertEqual(body[8], 8)
                channels = body[9] == 0 ? 1 : (body[9] == 2 ? 3 : -1)
                XCTAssertEqual(Array(body[10...12]), [0, 0, 0])
            } else if type == "IDAT" {
                idat += body
            }
            at += 12 + length
        }
        XCTAssertEqual(types, ["IHDR", "IDAT", "IEND"])
        XCTAssertEqual((Int(idat[0]) << 8 | Int(idat[1])) % 31, 0, "zlib header check bits")
        XCTAssertEqual(idat[0] & 0x0f, 8, "deflate")
        var raw = [UInt8](), p = 2, final = false
        while !final {
            final = idat[p] & 1 == 1
            XCTAssertEqual(idat[p] >> 1 & 3, 0, "stored block")
            let n = Int(idat[p + 1]) | Int(idat[p + 2]) << 8
            let nn = Int(idat[p + 3]) | Int(idat[p + 4]) << 8
            XCTAssertEqual(n ^ 0xffff, nn)
            raw += idat[(p + 5)..<(p + 5 + n)]
            p += 5 + n
        }
        let adler = UInt32(idat[p]) << 24 | UInt32(idat[p + 1]) << 16 | UInt32(idat[p + 2]) << 8 | UInt32(idat[p + 3])
        XCTAssertEqual(adler, PNGChecksum.adler32(raw))
        XCTAssertEqual(p + 4, idat.count)
        let row = width * channels
        XCTAssertEqual(raw.count, height * (row + 1))
        var pixels = [UInt8]()
        for y in 0..<height {
            XCTAssertEqual(raw[y * (row + 1)], 0, "filter type")
            pixels += raw[(y * (row + 1) + 1)..<((y + 1) * (row + 1))]
        }
        return PNGImage(width: width, height: height, channels: channels, pixels: pixels)
    }

    func testGrayscaleRoundTrip() throws {
        let image = PNGImage(width: 7, height: 3, channels: 1, pixels: (0..<21).map { UInt8($0 * 12) })
        XCTAssertEqual(try decode(PNGWriter.encode(image)), image)
    }

    /// 300 x 100 RGB = 90,300 bytes of scanlines: needs two stored blocks.
    func testRGBAcrossSeveralStoredBlocks() throws {
        let pixels = (0..<(300 * 100 * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + $0 / 300) }
        let image = PNGImage(width: 300, height: 100, channels: 3, pixels: pixels)
        let png = PNGWriter.encode(image)
        XCTAssertEqual(try decode(png), image)
        XCTAssertEqual(png[8 + 8 + 9], 2, "colour type RGB")
    }

    func testWritesFile() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("x.png").path
        let image = PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 64, 128, 255])
        try PNGWriter.write(image, to: path)
        XCTAssertEqual(try decode([UInt8](Data(contentsOf: URL(fileURLWithPath: path)))), image)
    }
}
