import DiscaCore
@testable import DiscaIO
import XCTest

final class MRCTests: XCTestCase {
    func testRoundTripKeepsValuesShapeVoxelSizeOriginAndLabels() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("a.mrc").path
        let shape = [3, 4, 5]
        let data = (0..<60).map { Float($0) * 0.75 - 11.5 }
        try MRCFile.write(path, data: data, shape: shape, voxelSizeAngstrom: 13.33, originAngstrom: (1, -2, 3.5),
                          labels: ["first", "second label"])
        let map = try MRCFile.read(path)
        XCTAssertEqual(map.shape, shape)
        XCTAssertEqual(map.data, data)
        XCTAssertEqual(map.voxelSizeAngstrom.x, 13.33, accuracy: 1e-4)
        XCTAssertEqual(map.voxelSizeAngstrom.z, 13.33, accuracy: 1e-4)
        XCTAssertEqual(map.isotropicVoxelSizeAngstrom ?? 0, 13.33, accuracy: 1e-4)
        XCTAssertEqual(map.originAngstrom.y, -2)
        XCTAssertEqual(map.header.labels, ["first", "second label"])
        XCTAssertEqual(map.header.nx, 5); XCTAssertEqual(map.header.ny, 4); XCTAssertEqual(map.header.nz, 3)
        XCTAssertEqual(map.header.dmin, -11.5); XCTAssertEqual(map.header.dmax, 59 * 0.75 - 11.5)
        XCTAssertEqual(map.header.dmean, Float(29.5 * 0.75 - 11.5), accuracy: 1e-5)
        XCTAssertEqual(map.header.version(bigEndian: false), 20140)
        XCTAssertFalse(map.bigEndian)
        // Read-write-read: the second file is byte-identical to the first.
        let path2 = dir.appendingPathComponent("b.mrc").path
        try MRCFile.write(path2, header: map.header, storageData: map.data)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), try Data(contentsOf: URL(fileURLWithPath: path2)))
    }

    /// Columns along Z, rows along X, sections along Y (mapc 3, mapr 1, maps 2): voxel (c, r, s) is spatial
    /// x = r, y = s, z = c, and the spatial shape is (Z = nx, Y = nz, X = ny).
    func testPermutedAxesAreReorderedToZYX() throws {
        let dir = try makeTemporaryFolder(self)
        let path = dir.appendingPathComponent("p.mrc").path
        var h = MRCHeader()
        h.nx = 2; h.ny = 3; h.nz = 4; h.mode = 2
        h.mapc = 3; h.mapr = 1; h.maps = 2
        h.mx = 3; h.my = 4; h.mz = 2                            // intervals along X, Y, Z
        h.cellaX = 6; h.cellaY = 12; h.cellaZ = 10
        var storage = [Float]()
        for s in 0..<4 { for r in 0..<3 { for c in 0..<2 { storage.append(Float(100 * s + 10 * r + c)) } } }
        try MRCFile.write(path, header: h, storageData: storage)
        let map = try MRCFile.read(path)
        XCTAssertEqual(map.shape, [2, 4, 3])                    // Z, Y, X sizes
        for z in 0..<2 { for y in 0..<4 { for x in 0..<3 {
            let (c, r, s) = (z, x, y)
            XCTAssertEqual(map.data[(z * 4 + y) * 3 + x], Float(100 * s + 10 * r + c))
        } } }
        XCTAssertEqual(map.voxelSizeAngstrom.x, 2); XCTAssertEqual(map.voxelSizeAngstrom.y, 3)
        XCTAssertEqual(map.voxelSizeAngstrom.z, 5)
        XCTAssertNil(map.isotropicVoxelSizeAngstrom)
    }

    private func writeValid(_ dir: URL) throws -> (String, [UInt8]) {
        let path = dir.appendingPathComponent("v.mrc").path
        try MRCFile.write(path, data: [Float](repeating: 1, count: 24), shape: [2, 3, 4], voxelSizeAngstrom: 1)
        return (path, [UInt8](try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    private func patched(_ bytes: [UInt8], word: Int, _ value: Int32, _ dir: URL, _ name: String) throws -> String {
        var b = bytes
        let v = UInt32(bitPattern: value)
        for k in 0..<4 { b[4 * (word - 1) + k] = UInt8(v >> (8 * UInt32(k)) & 0xff) }
        let path = dir.appendingPathComponent(name).path
        try Data(b).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testMalformedFilesAreBadInputNamingFileAndField() throws {
        let dir = try makeTemporaryFolder(self)
        let (_, bytes) = try writeValid(dir)
        let truncated = dir.appendingPathComponent("t.mrc").path
        try Data(bytes.prefix(1024 + 50)).write(to: URL(fileURLWithPath: truncated))
        assertBadInput([truncated, "truncated data"]) { _ = try MRCFile.read(truncated) }
        let shortHeader = dir.appendingPathComponent("h.mrc").path
        try Data(bytes.prefix(100)).write(to: URL(fileURLWithPath: shortHeader))
        assertBadInput([shortHeader, "truncated header"]) { _ = try MRCFile.read(shortHeader) }
        let mode = try patched(bytes, word: 4, 3, dir, "m.mrc")   // mode 12 (float16) became readable
        assertBadInput([mode, "mode = 3"]) { _ = try MRCFile.read(mode) }
        let negative = try patched(bytes, word: 2, -3, dir, "n.mrc")
        assertBadInput([negative, "ny = -3"]) { _ = try MRCFile.read(negative) }
        let huge = try patched(try [UInt8](Data(contentsOf: URL(fileURLWithPath: patched(bytes, word: 1, 2_000_000,
                                                                                          dir, "x.mrc")))),
                               word: 2, 2_000_000, dir, "huge.mrc")
        assertBadInput([huge, "nx, ny, nz", "2147483647"]) { _ = try MRCFile.read(huge) }
        let ext = try patched(bytes, word: 24, 400, dir, "e.mrc")
        assertBadInput([ext, "truncated data", "400 bytes of extended header"]) { _ = try MRCFile.read(ext) }
        let negExt = try patched(bytes, word: 24, -8, dir, "ne.mrc")
        assertBadInput([negExt, "nsymbt"]) { _ = try MRCFile.read(negExt) }
        let axes = try patched(bytes, word: 18, 1, dir, "a.mrc")
        assertBadInput([axes, "mapc, mapr, maps"]) { _ = try MRCFile.read(axes) }
        let missing = dir.appendingPathComponent("none.mrc").path
        assertBadInput([missing]) { _ = try MRCFile.read(missing) }
    }

    func testWriterRejectsMismatchedShape() {
        assertBadInput(["shape"]) {
            try MRCFile.write("/tmp/never.mrc", data: [1, 2, 3], shape: [1, 2, 2], voxelSizeAngstrom: 1)
        }
    }
}
