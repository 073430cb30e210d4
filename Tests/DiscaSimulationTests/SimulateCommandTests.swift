import DiscaIO
import _TestSupport
import XCTest

/// `disca simulate` end to end, alone and under `mpirun` (the executable is run as a separate process).
final class SimulateCommandTests: XCTestCase {
    private func simulate(_ path: String, ranks: Int?, extra: [String] = []) -> ProcessResult {
        DiscaRunner.run(["simulate", "--output", path, "--per-class", "3", "--box", "12", "--voxel-size", "26.66",
                         "--max-shift", "1", "--phantoms", "ring,rod,tetrahedron,lshape", "--snr", "0.05",
                         "--seed", "17"] + extra, ranks: ranks)
    }

    /// One rank and three ranks (12 rows, uneven blocks after the label shuffle) write identical files.
    func testOutputIsTheSameOnOneAndThreeRanks() throws {
        let dir = try makeTemporaryFolder(self)
        let one = dir.appendingPathComponent("one.h5").path, three = dir.appendingPathComponent("three.h5").path
        let png = dir.appendingPathComponent("m.png").path
        let r1 = simulate(one, ranks: nil, extra: ["--montage", png, "--montage-per-class", "2"])
        XCTAssertEqual(r1.status, 0, r1.stderr)
        let r3 = simulate(three, ranks: 3, extra: ["--threads", "2"])
        XCTAssertEqual(r3.status, 0, r3.stderr)
        XCTAssertEqual(r3.stdout.split(separator: "\n").filter { $0.contains("wrote") }.count, 1, "rank 0 alone prints")
        let a = try HDF5File.open(one), b = try HDF5File.open(three)
        XCTAssertEqual(try a.info(of: "/subtomograms").shape, [12, 12, 12, 12])
        let va: [Float] = try a.read("/subtomograms"), vb: [Float] = try b.read("/subtomograms")
        XCTAssertEqual(va, vb)
        let la: [Int32] = try a.read("/labels_true"), lb: [Int32] = try b.read("/labels_true")
        XCTAssertEqual(la, lb)
        XCTAssertEqual((0..<4).map { k in la.filter { $0 == k }.count }, [3, 3, 3, 3])
        XCTAssertEqual(try a.stringAttribute("class_names"), "ring,rod,tetrahedron,lshape")
        XCTAssertEqual(try a.doubleAttribute("voxel_size"), 26.66)
        XCTAssertEqual(try a.doubleAttribute("snr"), 0.05)
        XCTAssertEqual(try a.doubleAttribute("tilt_degrees"), 60)
        XCTAssertEqual(try a.doubleAttribute("defocus"), -5)
        XCTAssertEqual(try a.doubleAttribute("voltage"), 300)
        XCTAssertEqual(try a.doubleAttribute("cs"), 2.7)
        XCTAssertEqual(try a.doubleAttribute("amplitude_contrast"), 0.07)
        XCTAssertEqual(try a.intAttribute("seed"), 17)
        XCTAssertEqual(try a.intAttribute("box"), 12)
        XCTAssertEqual(try a.intAttribute("per_class"), 3)
        let row: [Float] = try a.readRows("/subtomograms", rows: 5..<6)
        let mean = row.reduce(0, +) / Float(row.count)
        XCTAssertEqual(mean, 0, accuracy: 1e-5)
        XCTAssertTrue(FileManager.default.fileExists(atPath: png))
    }

    func testBadInputExitsTwo() throws {
        let dir = try makeTemporaryFolder(self)
        let out = dir.appendingPathComponent("x.h5").path
        let missing = dir.appendingPathComponent("missing.mrc").path
        let cases: [([String], String)] = [
            (["simulate", "--output", out, "--structures", missing], missing),
            (["simulate", "--output", out, "--snr", "0"], "snr"),
            (["simulate", "--output", out, "--phantoms", "cube"], "cube"),
            (["simulate", "--output", out, "--tilt", "120"], "tilt"),
        ]
        for (arguments, fragment) in cases {
            let r = DiscaRunner.run(arguments)
            XCTAssertEqual(r.status, 2, "\(arguments): \(r.stderr)")
            XCTAssertTrue(r.stderr.contains(fragment), "\(arguments): \(r.stderr)")
        }
    }
}
