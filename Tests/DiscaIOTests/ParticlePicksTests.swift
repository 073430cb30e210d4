import DiscaCore
@testable import DiscaIO
import Foundation
import XCTest
import _TestSupport

/// Particle coordinates from RELION 5, RELION 4, RELION 3, Warp and plain files. The fixtures in Fixtures/ hold the
/// same five particles in each layout, written by hand: two tomograms of 1.35 A tilt-series pixels reconstructed at
/// binning 8 (10.8 A voxels), TS_01 of 100 x 80 x 40 voxels and TS_02 of 120 x 100 x 50.
final class ParticlePicksTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    let tomograms = [
        TomogramDescription(name: "TS_01", path: "/data/tomograms/TS_01.mrc", sizeVoxels: (100, 80, 40),
                            voxelSizeAngstrom: 10.8),
        TomogramDescription(name: "TS_02", path: "/data/tomograms/TS_02.mrc", sizeVoxels: (120, 100, 50),
                            voxelSizeAngstrom: 10.8),
    ]
    /// (tomogram, x, y, z) in 0-based voxels of the five particles.
    let expected: [(Int, Double, Double, Double)] = [
        (0, 10, 20, 5), (0, 50.5, 40.25, 19.75), (0, 99, 0, 39), (1, 60, 50, 25), (1, 119.25, 0.5, 0),
    ]
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("picks-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    /// Writes `text` to a temporary file `name` and returns its path.
    func temporary(_ name: String, _ text: String) -> String {
        let path = dir.appendingPathComponent(name).path
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A fixture with `old` replaced by `new` (exactly once), written to a temporary file.
    func edited(_ name: String, _ old: String, _ new: String) throws -> String {
        let text = try String(contentsOfFile: fixture(name), encoding: .utf8)
        XCTAssertEqual(text.components(separatedBy: old).count, 2, "\(old) once in \(name)")
        return temporary(name, text.replacingOccurrences(of: old, with: new))
    }

    func assertExpected(_ p: ParticlePicks, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(p.picks.count, expected.count, file: file, line: line)
        for (pick, e) in zip(p.picks, expected) {
            XCTAssertEqual(pick.tomogramIndex, e.0, file: file, line: line)
            XCTAssertEqual(pick.x, e.1, accuracy: 1e-6, file: file, line: line)
            XCTAssertEqual(pick.y, e.2, accuracy: 1e-6, file: file, line: line)
            XCTAssertEqual(pick.z, e.3, accuracy: 1e-6, file: file, line: line)
        }
        XCTAssertEqual(p.picks.map { $0.row }, [0, 1, 2, 3, 4], file: file, line: line)
    }

    func testRelion5WithTomogramsStar() throws {
        let p = try ParticlePicks.read(fixture("relion5_particles.star"), tomograms: tomograms,
                                       tomogramsStar: fixture("relion5_tomograms.star"))
        XCTAssertEqual(p.convention, .relion5Centered)
        XCTAssertEqual(p.particleBlock, "particles")
        assertExpected(p)
    }

    func testRelion5WithoutTomogramsStarUsesTheMRCVoxelSize() throws {
        let p = try ParticlePicks.read(fixture("relion5_particles.star"), tomograms: tomograms)
        assertExpected(p)
    }

    func testRelion4TiltSeriesPixels() throws {
        XCTAssertEqual(try ParticlePicks.detectConvention(fixture("relion4_particles.star")), .relionTiltSeriesPixels)
        assertExpected(try ParticlePicks.read(fixture("relion4_particles.star"), tomograms: tomograms))
        assertExpected(try ParticlePicks.read(fixture("relion4_particles.star"), tomograms: tomograms,
                                              tomogramsStar: fixture("relion5_tomograms.star")))
    }

    func testRelion3AndWarpGiveTheSameVoxels() throws {
        let r3 = try ParticlePicks.read(fixture("relion3_particles.star"), tomograms: tomograms)
        XCTAssertEqual(r3.convention, .relionPixels)
        XCTAssertEqual(r3.particleBlock, "")
        assertExpected(r3)
        let warp = try ParticlePicks.read(fixture("warp_particles.star"), tomograms: tomograms)
        XCTAssertEqual(warp.convention, .relionPixels)
        assertExpected(warp)
    }

    func testPlainCoordinates() throws {
        let p = try ParticlePicks.read(fixture("tomotwin.coords"), tomograms: [tomograms[0]])
        XCTAssertEqual(p.convention, .plainCoordinates)
        XCTAssertNil(p.document)
        XCTAssertEqual(p.picks, [ParticlePick(tomogramIndex: 0, x: 10, y: 20, z: 5, row: 1),
                                 ParticlePick(tomogramIndex: 0, x: 50.5, y: 40.25, z: 19.75, row: 2),
                                 ParticlePick(tomogramIndex: 0, x: 99, y: 0, z: 39, row: 4)])
        assertBadInput(["tomotwin.coords", "one tomogram", "2 were given"]) {
            _ = try ParticlePicks.read(fixture("tomotwin.coords"), tomograms: tomograms)
        }
        let doc = try p.document(addingColumn: "rlnClassNumber", values: ["2", "1"], rows: [4, 1],
                                 tomograms: [tomograms[0]])
        let loop = try XCTUnwrap(doc.block("particles")?.loop)
        XCTAssertEqual(loop.columns, ["rlnTomoName", "rlnCoordinateX", "rlnCoordinateY", "rlnCoordinateZ",
                                      "rlnClassNumber"])
        XCTAssertEqual(loop.rows, [["TS_01", "99.000000", "0.000000", "39.000000", "2"],
                                   ["TS_01", "10.000000", "20.000000", "5.000000", "1"]])
    }

    func testNameMatching() throws {
        var m = TomogramMatcher(tomograms)
        for name in ["TS_02", "TS_02.mrc", "x/y/TS_02.mrc", "TS_02.tomostar", "TS_02.rec", "a/TS_02.st:mrc"] {
            XCTAssertEqual(try m.index(of: name, place: "p"), 1, name)
        }
        assertBadInput(["p", "\"ts_02\"", "matches no given tomogram", "TS_01, TS_02"]) {
            _ = try m.index(of: "ts_02", place: "p")
        }
    }

    func testDocumentAddingColumnKeepsTheRestAndSelectsRows() throws {
        let p = try ParticlePicks.read(fixture("relion5_particles.star"), tomograms: tomograms,
                                       tomogramsStar: fixture("relion5_tomograms.star"))
        let input = try XCTUnwrap(p.document)
        let replaced = try p.document(addingColumn: "rlnClassNumber", values: ["7", "8", "9"], rows: [4, 0, 2])
        XCTAssertEqual(replaced.blocks.count, 3)
        XCTAssertEqual(replaced.block("optics"), input.block("optics"))
        XCTAssertEqual(replaced.block("general"), input.block("general"))
        let loop = try XCTUnwrap(replaced.block("particles")?.loop)
        XCTAssertEqual(loop.columns, input.block("particles")?.loop?.columns)
        XCTAssertEqual(loop.rows.map { $0[2] }, ["639.900000", "-432.000000", "529.200000"])
        XCTAssertEqual(loop.rows.map { $0[5] }, ["7", "8", "9"])
        let added = try p.document(addingColumn: "rlnDiscaScore", values: ["0.5"], rows: [3])
        XCTAssertEqual(added.block("particles")?.loop?.columns.last, "rlnDiscaScore")
        XCTAssertEqual(added.block("particles")?.loop?.rows, [["TS_02", "1", "0.000000", "0.000000", "0.000000", "2",
                                                               "0.5"]])
        // Written and read again, it is still a RELION 5 file of the chosen particles.
        let path = dir.appendingPathComponent("classes.star").path
        try replaced.write(to: path)
        let back = try ParticlePicks.read(path, tomograms: tomograms, tomogramsStar: fixture("relion5_tomograms.star"))
        assertClose(back.picks.map { $0.x }, [119.25, 10, 99], atol: 1e-6)
        assertBadInput(["relion5_particles.star", "row 6", "5 rows"]) {
            _ = try p.document(addingColumn: "rlnClassNumber", values: ["1"], rows: [5])
        }
    }

    func testOwnPicksWriterReadsBackAsRelion3() throws {
        let picks = expected.enumerated().map { ParticlePick(tomogramIndex: $0.element.0, x: $0.element.1,
                                                             y: $0.element.2, z: $0.element.3, row: $0.offset) }
        let doc = try ParticlePicks.document(picks: picks, tomograms: tomograms, extraColumns: [
            (name: "rlnAutopickFigureOfMerit", values: ["0.9", "0.8", "0.7", "0.6", "0.5"])])
        let path = dir.appendingPathComponent("picks.star").path
        try doc.write(to: path)
        let back = try ParticlePicks.read(path, tomograms: tomograms)
        XCTAssertEqual(back.convention, .relionPixels)
        assertExpected(back)
        XCTAssertEqual(try back.document?.block("particles")?.double(column: "rlnAutopickFigureOfMerit", row: 2), 0.7)
    }

    // MARK: - Bad input: each a one-line message naming the file, the row and the numbers

    func testMissingColumn() throws {
        let path = try edited("relion3_particles.star", "_rlnCoordinateZ #4", "_rlnOriginZ #4")
        assertBadInput(["relion3_particles.star", "row 1", "_rlnCoordinateZ"]) {
            _ = try ParticlePicks.read(path, tomograms: tomograms)
        }
        let noName = try edited("relion3_particles.star", "_rlnMicrographName #1", "_rlnImageName #1")
        assertBadInput(["relion3_particles.star", "rlnTomoName", "rlnMicrographName"]) {
            _ = try ParticlePicks.read(noName, tomograms: tomograms)
        }
    }

    func testNonNumericValue() throws {
        let path = try edited("warp_particles.star", "99.000 0.000", "99.000 O.000")
        assertBadInput(["warp_particles.star", "row 3", "_rlnCoordinateY", "\"O.000\""]) {
            _ = try ParticlePicks.read(path, tomograms: tomograms)
        }
        let coords = temporary("bad.coords", "1 2 3\n4 x 6\n")
        assertBadInput(["bad.coords", "line 2", "\"x\""]) {
            _ = try ParticlePicks.read(coords, tomograms: [tomograms[0]])
        }
        let short = temporary("short.coords", "# header\n1 2\n")
        assertBadInput(["short.coords", "line 2", "3 numbers", "found 2"]) {
            _ = try ParticlePicks.read(short, tomograms: [tomograms[0]])
        }
    }

    func testUnknownTomogramListsKnownNames() throws {
        let path = try edited("relion5_particles.star", "      TS_02            1     0.000000",
                              "      TS_09            1     0.000000")
        assertBadInput(["relion5_particles.star", "row 4", "\"TS_09\"", "TS_01, TS_02"]) {
            _ = try ParticlePicks.read(path, tomograms: tomograms, tomogramsStar: fixture("relion5_tomograms.star"))
        }
    }

    func testOutsideTheTomogram() throws {
        let path = try edited("relion3_particles.star", " 50.500000  40.250000", "100.600000  40.250000")
        assertBadInput(["relion3_particles.star", "row 2", "x = 100.6", "100 x 80 x 40", "99.5"]) {
            _ = try ParticlePicks.read(path, tomograms: tomograms)
        }
        let low = try edited("relion5_particles.star", "-432.000000  -216.000000  -162.000000",
                             "-432.000000  -216.000000  -222.000000")
        assertBadInput(["relion5_particles.star", "row 1", "z = -0.55", "-0.5"]) {
            _ = try ParticlePicks.read(low, tomograms: tomograms, tomogramsStar: fixture("relion5_tomograms.star"))
        }
        let coords = temporary("far.coords", "1 2 3\n1 2 40\n")
        assertBadInput(["far.coords", "line 2", "z = 40.0", "39.5"]) {
            _ = try ParticlePicks.read(coords, tomograms: [tomograms[0]])
        }
    }

    func testPixelSizeDisagreeingWithTheMRCHeader() throws {
        var wrong = tomograms
        wrong[1].voxelSizeAngstrom = 10.9
        assertBadInput(["relion5_particles.star", "row 4", "relion5_tomograms.star", "data_global row 2", "10.8",
                        "10.9", "0.1%"]) {
            _ = try ParticlePicks.read(fixture("relion5_particles.star"), tomograms: wrong,
                                       tomogramsStar: fixture("relion5_tomograms.star"))
        }
        // Within 0.1% is accepted.
        var close = tomograms
        close[0].voxelSizeAngstrom = 10.805
        close[1].voxelSizeAngstrom = 10.795
        assertExpected(try ParticlePicks.read(fixture("relion5_particles.star"), tomograms: close,
                                              tomogramsStar: fixture("relion5_tomograms.star")))
        var small = tomograms
        small[0].sizeVoxels = (100, 80, 20)
        assertBadInput(["relion5_particles.star", "row 1", "800.0 x 640.0 x 320.0", "100 x 80 x 20"]) {
            _ = try ParticlePicks.read(fixture("relion5_particles.star"), tomograms: small,
                                       tomogramsStar: fixture("relion5_tomograms.star"))
        }
    }

    func testRelion5WithoutAnyTiltSeriesPixelSize() throws {
        let path = try edited("relion5_particles.star", "_rlnTomoTiltSeriesPixelSize #4", "_rlnMicrographPixelSize #4")
        assertBadInput(["relion5_particles.star", "row 1", "rlnTomoTiltSeriesPixelSize", "10.8"]) {
            _ = try ParticlePicks.read(path, tomograms: tomograms)
        }
    }

    func testWrongRowLengthInAParticleFile() throws {
        let path = try edited("warp_particles.star", "0 0 0 TS_01.tomostar 0.38", "0 0 TS_01.tomostar 0.38")
        assertBadInput(["warp_particles.star", "line 14", "7 values", "8 columns"]) {
            _ = try ParticlePicks.read(path, tomograms: tomograms)
        }
    }
}
