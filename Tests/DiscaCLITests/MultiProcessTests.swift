import DiscaIO
import _TestSupport
import XCTest

/// Launches the built executable under `mpirun` (MPI cannot be initialised twice inside one test process).
final class MultiProcessTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestPaths.temporaryDirectory("mpi") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func testLargeAllreduceAndBroadcastOnTwoAndThreeRanks() {
        for ranks in [2, 3] {
            // 2^23 + 5 elements: above the 2^22 boundaries of common MPI pipelining, not a power of two.
            let r = DiscaRunner.run(["selftest", "collectives", "--elements", String((1 << 23) + 5)], ranks: ranks)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssert(r.stdout.contains("collectives ranks=\(ranks) elements=\((1 << 23) + 5) mismatches=0"), r.stdout)
        }
    }

    func testParallelWriteOfRowsNotDivisibleByRanksReadsBackExactly() throws {
        let path = dir.appendingPathComponent("rows.h5").path
        let rows = 3 * 11 + 2
        let r = DiscaRunner.run(["selftest", "write-rows", "--output", path, "--rows", String(rows), "--width", "5"], ranks: 3)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.split(separator: "\n").filter { $0.contains("wrote") }.count, 1, "rank 0 alone prints")
        let f = try HDF5File.open(path)
        let values: [Float] = try f.read("/data/values")
        XCTAssertEqual(try f.info(of: "/data/values").shape, [rows, 5])
        XCTAssertEqual(values, (0..<rows).flatMap { i in (0..<5).map { Float(i * 1000 + $0) } })
        XCTAssertEqual(try f.intAttribute("ranks"), 3)
    }

    func testBadInputExitsTwoWithOneLineOnOneAndTwoRanks() throws {
        let text = dir.appendingPathComponent("text.h5").path
        try "plain text".write(toFile: text, atomically: true, encoding: .utf8)
        let good = dir.appendingPathComponent("good.h5").path
        let f = try HDF5File.create(good)
        try f.write("/x", [Float](repeating: 1, count: 6), shape: [3, 2])
        try f.close()
        let cases: [([String], String)] = [
            (["--input", text, "--dataset", "/x"], "\(text): not an HDF5 file"),
            (["--input", good, "--dataset", "/missing"], "\(good): no dataset /missing"),
        ]
        for ranks in [nil, 2] as [Int?] {
            for (args, expected) in cases {
                let r = DiscaRunner.run(["selftest", "read"] + args, ranks: ranks, timeoutSeconds: 60)
                XCTAssertFalse(r.timedOut, "hung: \(args)")
                XCTAssertEqual(r.status, 2, "\(args) on \(ranks ?? 1) ranks: \(r.stderr)")
                XCTAssertEqual(r.discaErrorLines, ["disca: error: \(expected)"], r.stderr)
            }
        }
    }

    func testSingletonRunWithoutMpirunAndHelpVersion() {
        let v = DiscaRunner.run(["--version"])
        XCTAssertEqual(v.status, 0)
        XCTAssertEqual(v.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "disca 0.1.0")
        let h = DiscaRunner.run(["--help"], ranks: 2)
        XCTAssertEqual(h.status, 0)
        XCTAssertEqual(h.stdout.components(separatedBy: "OVERVIEW:").count - 1, 1, "help printed by rank 0 only")
        for verb in ["simulate", "train", "predict", "evaluate", "cluster", "bench", "report"] {
            XCTAssert(h.stdout.contains(verb), "help lists \(verb)")
        }
        let usage = DiscaRunner.run(["train", "--output", "x"])
        XCTAssertEqual(usage.status, 2, "missing --input is bad usage")
    }
}
