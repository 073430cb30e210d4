import DiscaCore
import DiscaIO
import _TestSupport
import XCTest

final class HDF5FileTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestPaths.temporaryDirectory("h5") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testRowsRoundTripWithChunksAndTypes() throws {
        let path = dir.appendingPathComponent("a.h5").path
        let f = try HDF5File.create(path)
        try f.createDataset("/sub/volumes", type: .float32, shape: [5, 3, 3, 3], chunk: [1, 3, 3, 3])
        let rows = (0..<5 * 27).map { Float($0) * 0.5 }
        try f.writeRows("/sub/volumes", rows: 0..<2, data: Array(rows[0..<54]))
        try f.writeRows("/sub/volumes", rows: 2..<5, data: Array(rows[54...]))
        try f.write("/labels", [Int32(3), 1, 4, 1, 5], shape: [5])
        try f.write("/matrix", [1.0, 2, 3, 4, 5, 6], shape: [2, 3])
        try f.close()

        let g = try HDF5File.open(path)
        XCTAssertEqual(try g.info(of: "/sub/volumes").shape, [5, 3, 3, 3])
        XCTAssertEqual(try g.readRows("/sub/volumes", rows: 1..<3) as [Float], Array(rows[27..<81]))
        XCTAssertEqual(try g.read("/sub/volumes") as [Float], rows)
        XCTAssertEqual(try g.read("/labels") as [Int32], [3, 1, 4, 1, 5])
        XCTAssertEqual(try g.read("/labels") as [Int64], [3, 1, 4, 1, 5])
        XCTAssertEqual(try g.read("/matrix") as [Double], [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(try g.members(of: "/"), ["labels", "matrix", "sub"])
        XCTAssertTrue(g.exists("/sub/volumes"))
        XCTAssertFalse(g.exists("/sub/nothing/deeper"))
    }

    func testAttributes() throws {
        let path = dir.appendingPathComponent("attr.h5").path
        let f = try HDF5File.create(path)
        try f.write("/x", [Float(1)], shape: [1])
        try f.setAttribute("K", .int(7))
        try f.setAttribute("bic", .double(-1234.5))
        try f.setAttribute("names", .string("ring,barrel,rod"))
        try f.setAttribute("empty", .string(""))
        try f.setAttribute("vector", .doubles([1.5, 2.5]), on: "/x")
        try f.setAttribute("K", .int(8))  // replace
        try f.close()
        let g = try HDF5File.open(path)
        XCTAssertEqual(try g.intAttribute("K"), 8)
        XCTAssertEqual(try g.doubleAttribute("bic"), -1234.5)
        XCTAssertEqual(try g.stringAttribute("names"), "ring,barrel,rod")
        XCTAssertEqual(try g.stringAttribute("empty"), "")
        XCTAssertEqual(try g.doublesAttribute("vector", on: "/x"), [1.5, 2.5])
        XCTAssertFalse(g.hasAttribute("missing"))
        XCTAssertThrowsError(try g.intAttribute("missing")) { e in
            XCTAssertEqual((e as? DiscaError)?.exitCode, 2)
            XCTAssert("\(e)".contains("missing"))
        }
    }

    func testBadInputIsNamedAndExitsTwo() throws {
        let notH5 = dir.appendingPathComponent("text.h5").path
        try "not hdf5".write(toFile: notH5, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try HDF5File.open(notH5)) { e in
            XCTAssertEqual((e as? DiscaError)?.exitCode, 2)
            XCTAssertEqual("\(e)", "\(notH5): not an HDF5 file")
        }
        XCTAssertThrowsError(try HDF5File.open(dir.appendingPathComponent("none.h5").path)) { e in
            XCTAssert("\(e)".hasSuffix("none.h5: no such file"))
        }
        let path = dir.appendingPathComponent("b.h5").path
        let f = try HDF5File.create(path)
        try f.write("/ints", [Int32(1), 2], shape: [2])
        try f.write("/three", [Float](repeating: 0, count: 8), shape: [2, 2, 2])
        XCTAssertThrowsError(try f.info(of: "/missing")) { e in
            XCTAssertEqual("\(e)", "\(path): no dataset /missing")
        }
        XCTAssertThrowsError(try f.read("/ints") as [Float]) { e in
            XCTAssertEqual((e as? DiscaError)?.exitCode, 2)
            XCTAssert("\(e)".contains("integer"))
        }
        XCTAssertThrowsError(try f.requireDataset("/three", rank: 4, floatingPoint: true, meaning: "(N, D, D, D)")) { e in
            XCTAssertEqual("\(e)", "\(path): dataset /three has shape (2, 2, 2), expected 4 dimensions (N, D, D, D)")
        }
        XCTAssertThrowsError(try f.readRows("/three", rows: 1..<3) as [Float]) { e in
            XCTAssert("\(e)".contains("outside dataset /three"))
        }
    }
}
