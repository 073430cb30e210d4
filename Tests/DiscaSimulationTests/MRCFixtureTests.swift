import DiscaIO
import XCTest

/// Files written by the Python `mrcfile` package, an independent MRC2014 implementation.
/// Regenerate with: python3 tools/make_mrc_fixture.py Tests/DiscaSimulationTests/Fixtures
final class MRCFixtureTests: XCTestCase {
    private func read(_ name: String) throws -> MRCMap {
        try MRCFile.read(fixturesFolder.appendingPathComponent(name).path)
    }

    private func check(_ map: MRCMap, _ value: (Int, Int, Int) -> Float, file: StaticString = #filePath,
                       line: UInt = #line) {
        XCTAssertEqual(map.shape, [4, 5, 6], file: file, line: line)
        for z in 0..<4 { for y in 0..<5 { for x in 0..<6 {
            XCTAssertEqual(map.data[(z * 5 + y) * 6 + x], value(z, y, x), "at \(z) \(y) \(x)", file: file, line: line)
        } } }
    }

    func testFloat32WithVoxelSizeOriginAndLabels() throws {
        let map = try read("float32_6x5x4.mrc")
        check(map) { z, y, x in 0.5 * Float(100 * z + 10 * y + x) - 3.25 }
        XCTAssertEqual(map.voxelSizeAngstrom.x, 1.5, accuracy: 1e-6)
        XCTAssertEqual(map.voxelSizeAngstrom.y, 2.0, accuracy: 1e-6)
        XCTAssertEqual(map.voxelSizeAngstrom.z, 2.5, accuracy: 1e-6)
        XCTAssertEqual(map.originAngstrom.x, 10); XCTAssertEqual(map.originAngstrom.y, -20)
        XCTAssertEqual(map.originAngstrom.z, 30.5)
        // mrcfile adds its own "Created by mrcfile.py ... <date>" label first.
        XCTAssertEqual(map.header.labels.count, 3)
        XCTAssertTrue(map.header.labels[0].hasPrefix("Created by mrcfile.py"))
        XCTAssertEqual(Array(map.header.labels.dropFirst()), ["disca MRC fixture written by mrcfile", "second label"])
        XCTAssertEqual(map.header.mode, 2)
        XCTAssertEqual(map.header.version(bigEndian: false), 20141)   // mrcfile 1.5 writes the 2014 update
    }

    func testBigEndianFloat32() throws {
        let map = try read("float32_be_6x5x4.mrc")
        XCTAssertTrue(map.bigEndian)
        check(map) { z, y, x in 0.5 * Float(100 * z + 10 * y + x) - 3.25 }
        XCTAssertEqual(map.voxelSizeAngstrom.y, 2.0, accuracy: 1e-6)
    }

    func testInt8() throws {
        let map = try read("int8_6x5x4.mrc")
        XCTAssertEqual(map.header.mode, 0)
        check(map) { z, y, x in Float(5 * z + 3 * y + x - 40) }
        XCTAssertEqual(map.isotropicVoxelSizeAngstrom ?? 0, 3, accuracy: 1e-6)
    }

    func testInt16SkipsExtendedHeader() throws {
        let map = try read("int16_ext_6x5x4.mrc")
        XCTAssertEqual(map.header.mode, 1)
        XCTAssertEqual(map.header.nsymbt, 160)
        XCTAssertEqual(map.header.extendedHeaderType, "SERI")
        check(map) { z, y, x in Float(1000 * z - 100 * y + 7 * x - 1234) }
    }

    func testUInt16() throws {
        let map = try read("uint16_6x5x4.mrc")
        XCTAssertEqual(map.header.mode, 6)
        check(map) { z, y, x in Float(10000 + 1000 * z + 100 * y + x) }
        XCTAssertEqual(map.isotropicVoxelSizeAngstrom ?? 0, 5, accuracy: 1e-6)
    }
}
