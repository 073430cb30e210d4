import DiscaIO
import _TestSupport
import XCTest

/// `disca cluster` and `disca bench mixture` end to end (the executable, alone and under mpirun).
final class ClusterCommandTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestPaths.temporaryDirectory("cluster") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    /// (N, P) features: 3 classes in 12-D, centres 8 apart per axis, unit noise (a simple deterministic generator).
    private func writeFeatures(_ path: String, n: Int = 600, p: Int = 12) throws -> [Int32] {
        var state: UInt64 = 42
        func uniform() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return (Double(state >> 11) + 0.5) / 9_007_199_254_740_992
        }
        func normal() -> Double { (-2 * log(uniform())).squareRoot() * cos(2 * .pi * uniform()) }
        var x = [Float](), truth = [Int32]()
        for i in 0..<n {
            let c = i % 3
            truth.append(Int32(c))
            for j in 0..<p { x.append(Float((j % 3 == c ? 8.0 : 0.0) + normal())) }
        }
        let f = try HDF5File.create(path)
        try f.write("/features", x, shape: [n, p])
        try f.close()
        return truth
    }

    func testClusterFindsThreeClassesOnOneAndTwoRanks() throws {
        let input = dir.appendingPathComponent("features.h5").path
        let truth = try writeFeatures(input)
        var labelsByRanks: [[Int32]] = []
        for ranks in [nil, 2] as [Int?] {
            let output = dir.appendingPathComponent("out\(ranks ?? 1).h5").path
            let r = DiscaRunner.run(["cluster", "--input", input, "--output", output, "--pca", "4",
                                     "--candidates", "2-5", "--seed", "1", "--n-init", "3"], ranks: ranks)
            XCTAssertEqual(r.status, 0, r.stderr)
            XCTAssertEqual(r.stdout.components(separatedBy: "chosen K").count - 1, 1, "rank 0 alone prints")
            let f = try HDF5File.open(output)
            XCTAssertEqual(try f.intAttribute("K"), 3)
            XCTAssertTrue(try f.doubleAttribute("ddbi").isFinite)
            XCTAssertEqual(try f.intsAttribute("candidates"), [2, 3, 4, 5])
            let labels: [Int32] = try f.read("/labels")
            XCTAssertEqual(try f.info(of: "/posterior").shape, [600, 3])
            XCTAssertEqual(try f.info(of: "/features_pca").shape, [600, 4])
            // The labels are the classes up to renaming.
            var pairs = Set<[Int32]>()
            for (a, b) in zip(labels, truth) { pairs.insert([a, b]) }
            XCTAssertEqual(pairs.count, 3)
            labelsByRanks.append(labels)
        }
        XCTAssertEqual(labelsByRanks[0], labelsByRanks[1], "same labels on 1 and 2 ranks")
        // An existing output is not overwritten without --force; a bad candidate list is bad usage.
        let again = DiscaRunner.run(["cluster", "--input", input, "--output", dir.appendingPathComponent("out1.h5").path])
        XCTAssertEqual(again.status, 2)
        XCTAssertEqual(again.discaErrorLines.count, 1, again.stderr)
        let bad = DiscaRunner.run(["cluster", "--input", input, "--output", "x.h5", "--candidates", "5-2"])
        XCTAssertEqual(bad.status, 2)
    }

    func testBenchMixturePrintsOneJSONObject() throws {
        let points = dir.appendingPathComponent("points.f32").path
        let r = DiscaRunner.run(["bench", "mixture", "--n", "3000", "--candidates", "2,4", "--n-init", "1",
                                 "--max-iter", "5", "--tol", "0", "--json", "--write-points", points], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, r.stdout)
        let object = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        for key in ["n", "dims", "candidates", "n_init", "seconds", "ranks"] { XCTAssertNotNil(object[key], key) }
        XCTAssertEqual(object["ranks"] as? Int, 2)
        XCTAssertEqual(object["emSteps"] as? Int, 10, "tol 0: exactly max-iter steps per candidate")
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: points)[.size] as? Int, 3000 * 16 * 4)
    }
}
