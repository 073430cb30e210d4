import DiscaIO
import _TestSupport
import XCTest

/// `disca report RUNDIR` on small run directories fabricated here with HDF5File (the layout `disca train` writes,
/// see the run directory format in the README/interfaces), checked line by line and pixel by pixel.
final class ReportTests: XCTestCase {
    var dir: URL!
    override func setUp() { dir = TestPaths.temporaryDirectory("report") }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    // Result of the fabricated run: 12 subtomograms, K = 3, chosen iteration 2.
    // Cluster sizes 5, 3, 4; posteriors of the own cluster: cluster 0: 0.9 0.8 0.7 0.85 0.75 (mean 0.8000),
    // cluster 1: 0.6 0.5 0.55 (mean 0.5500), cluster 2: 1 1 0.99 0.97 (mean 0.9900).
    static let labels: [Int32] = [0, 1, 2, 0, 0, 1, 2, 2, 0, 1, 0, 2]
    static let ownPosterior: [Float] = [0.9, 0.6, 1, 0.8, 0.7, 0.5, 1, 0.99, 0.85, 0.55, 0.75, 0.97]

    /// Writes history.jsonl (iteration 1 twice, as after a resume: the second line wins), result.h5 and, unless
    /// `samples` is false, samples.h5 whose iteration 2 puts cluster 0 left, cluster 2 right and cluster 1 on top
    /// (the other iterations mirror it, so a plot of the wrong iteration is caught).
    func makeRun(_ run: URL, converged: Bool = true, samples: Bool = true, config: String? = nil) throws {
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        let history = [
            #"{"iteration": 0, "K": 2, "bic": -1500.126, "ddbi": 0.8, "changed_fraction": null, "loss": null, "seconds": 3.26, "subtomograms_per_second": 4.0, "cluster_sizes": [6, 6], "best_iteration": 0, "learning_rate": 1e-5, "smoothing": 0.2, "converged": false}"#,
            #"{"iteration": 1, "K": 3, "bic": -1400, "ddbi": 0.1, "changed_fraction": 0.5, "loss": 1.5, "seconds": 4, "converged": false}"#,
            "",
            #"{"iteration": 1, "K": 3, "bic": -1450.5, "ddbi": 0.6, "changed_fraction": 0.25, "loss": 1.25, "seconds": 4.5, "subtomograms_per_second": 3.0, "cluster_sizes": [5, 3, 4], "best_iteration": 1, "learning_rate": 1e-5, "smoothing": 0.18, "converged": false}"#,
            #"{"iteration": 2, "K": 3, "bic": -1600.75, "ddbi": 0.3125, "changed_fraction": 0.125, "loss": 0.875, "seconds": 5.0, "subtomograms_per_second": 2.4, "cluster_sizes": [5, 3, 4], "best_iteration": 2, "learning_rate": 1e-5, "smoothing": 0.16, "converged": false}"#,
            #"{"iteration": 3, "K": 3, "bic": -1590.0, "ddbi": 0.4, "changed_fraction": 0.0625, "loss": 0.5, "seconds": 6.0, "subtomograms_per_second": 2.0, "cluster_sizes": [5, 3, 4], "best_iteration": 2, "learning_rate": 1e-5, "smoothing": 0.14, "converged": \#(converged)}"#,
        ]
        try (history.joined(separator: "\n") + "\n").write(to: run.appendingPathComponent("history.jsonl"),
                                                            atomically: true, encoding: .utf8)
        if let config {
            try config.write(to: run.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        }
        let n = Self.labels.count, k = 3, p = 4
        var posterior = [Float](repeating: 0, count: n * k)
        for i in 0..<n {
            let own = Int(Self.labels[i])
            for c in 0..<k { posterior[i * k + c] = c == own ? Self.ownPosterior[i] : (1 - Self.ownPosterior[i]) / 2 }
        }
        let result = try HDF5File.create(run.appendingPathComponent("result.h5").path)
        try result.write("/labels", Self.labels, shape: [n])
        try result.write("/posterior", posterior, shape: [n, k])
        try result.write("/features", [Float](repeating: 0.5, count: n * 8), shape: [n, 8])
        try result.write("/features_pca", Self.layout(Self.labels, mirrored: false, p: p), shape: [n, p])
        try result.setAttribute("K", .int(k))
        try result.setAttribute("best_iteration", .int(2))
        try result.setAttribute("iterations", .int(4))
        try result.setAttribute("ddbi", .double(0.3125))
        try result.close()
        guard samples else { return }
        let rows: [Int64] = [0, 1, 2, 5, 7, 9, 10, 11]
        let sampled = rows.map { Self.labels[Int($0)] }
        let s = try HDF5File.create(run.appendingPathComponent("samples.h5").path)
        try s.write("/rows", rows, shape: [rows.count])
        for it in 0..<4 {
            let g = String(format: "/iteration_%04d", it)
            try s.createGroup(g)
            try s.write(g + "/features_pca", Self.layout(sampled, mirrored: it != 2, p: p), shape: [rows.count, p])
            try s.write(g + "/labels", sampled, shape: [rows.count])
            try s.setAttribute("K", .int(it == 0 ? 2 : 3), on: g)
            try s.setAttribute("ddbi", .double(0.5), on: g)
            try s.setAttribute("bic", .double(-1), on: g)
        }
        try s.close()
    }

    /// PCA features (rows, p): cluster 0 at (-10, 0), 1 at (0, 10), 2 at (10, 0), small offsets, mirrored in x/y
    /// when asked; columns beyond the second are noise that must not matter.
    static func layout(_ labels: [Int32], mirrored: Bool, p: Int) -> [Float] {
        let centres: [(Float, Float)] = [(-10, 0), (0, 10), (10, 0)]
        let sign: Float = mirrored ? -1 : 1
        return labels.enumerated().flatMap { i, l -> [Float] in
            let (x, y) = centres[Int(l)]
            return [sign * x + Float(i % 3) * 0.5, sign * y + Float(i % 2) * 0.5] + [Float](repeating: 99, count: p - 2)
        }
    }

    func testReportOfAFinishedRunHasTheRightNumbers() throws {
        let run = dir.appendingPathComponent("run")
        try makeRun(run)
        let r = DiscaRunner.run(["report", run.path])
        XCTAssertEqual(r.status, 0, r.stderr)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(lines.first, "disca report: \(run.path)")
        XCTAssert(r.stdout.contains("4 iterations recorded (0-3); the run converged at iteration 3, 0.0625 of the labels changed."), r.stdout)
        // The iteration table: the second line of iteration 1 won; the chosen row is starred.
        let table = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("iteration") })
        XCTAssertEqual(lines[table].split(separator: " ").map(String.init),
                       ["iteration", "K", "BIC", "DDBI", "changed", "loss", "seconds"])
        let cells = lines[(table + 1)...(table + 4)].map { $0.split(separator: " ").map(String.init) }
        XCTAssertEqual(cells[0], ["0", "2", "-1500.13", "0.8000", "-", "-", "3.3"])
        XCTAssertEqual(cells[1], ["1", "3", "-1450.50", "0.6000", "0.2500", "1.2500", "4.5"])
        XCTAssertEqual(cells[2], ["2*", "3", "-1600.75", "0.3125", "0.1250", "0.8750", "5.0"])
        XCTAssertEqual(cells[3], ["3", "3", "-1590.00", "0.4000", "0.0625", "0.5000", "6.0"])
        XCTAssert(r.stdout.contains("chosen iteration: 2 (marked *), the lowest DDBI (0.3125, lower is better) among the 4 iterations; result.h5 holds it."), r.stdout)
        // Clusters of the chosen iteration: sizes, percentages, mean posteriors to 4 decimals, plot colours.
        let header = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("clusters of iteration 2 (result.h5: 12 subtomograms, K = 3):") }, r.stdout)
        XCTAssertEqual(lines[header + 1].split(separator: " ").map(String.init), ["cluster", "size", "percent", "mean", "posterior", "color"])
        XCTAssertEqual(lines[(header + 2)...(header + 4)].map { $0.split(separator: " ").map(String.init) }, [
            ["0", "5", "41.7%", "0.8000", "#1f77b4"],
            ["1", "3", "25.0%", "0.5500", "#ff7f0e"],
            ["2", "4", "33.3%", "0.9900", "#2ca02c"],
        ])
        XCTAssertEqual(lines[header + 5], "")
        // The plot of iteration 2 from samples.h5.
        let png = run.appendingPathComponent("report_pca.png").path
        XCTAssert(lines.contains("PCA projection: \(png)"), r.stdout)
        XCTAssert(r.stdout.contains("of samples.h5 /iteration_0002 (8 sampled subtomograms)"), r.stdout)
        let image = try PNGCheck.decode(path: png)
        XCTAssertEqual([image.width, image.height], [640, 640])
        let c0 = try XCTUnwrap(image.centroid(of: (0x1f, 0x77, 0xb4)), "cluster 0 drawn")
        let c1 = try XCTUnwrap(image.centroid(of: (0xff, 0x7f, 0x0e)), "cluster 1 drawn")
        let c2 = try XCTUnwrap(image.centroid(of: (0x2c, 0xa0, 0x2c)), "cluster 2 drawn")
        XCTAssertNil(image.centroid(of: (0xd6, 0x27, 0x28)), "no fourth cluster")
        XCTAssertLessThan(c0.x + 100, c2.x, "cluster 0 left of cluster 2 (iteration 2, not a mirrored one)")
        XCTAssertLessThan(c1.y + 100, c0.y, "cluster 1 above the others")
        XCTAssertLessThan(c1.y + 100, c2.y)
        XCTAssertEqual(image.pixel(0, 0), [255, 255, 255], "white background")
    }

    func testWithoutSamplesTheResultIsPlottedAndTheStopReasonComesFromTheConfig() throws {
        let limit = dir.appendingPathComponent("limit"), unfinished = dir.appendingPathComponent("unfinished")
        try makeRun(limit, converged: false, samples: false, config: "# version: disca 0.1.0\n[loop]\nmax_iterations = 4\n")
        try makeRun(unfinished, converged: false, samples: false, config: "[loop]\nmax_iterations = 10\n")
        let png = dir.appendingPathComponent("elsewhere.png").path
        let a = DiscaRunner.run(["report", limit.path, "--png", png])
        XCTAssertEqual(a.status, 0, a.stderr)
        XCTAssert(a.stdout.contains("the run stopped at the limit of 4 iterations (loop.max_iterations) without converging."), a.stdout)
        XCTAssert(a.stdout.contains("PCA projection: \(png)\n  PC1 (across) vs PC2 (up) of result.h5 (12 subtomograms)"), a.stdout)
        let image = try PNGCheck.decode(path: png)
        let c0 = try XCTUnwrap(image.centroid(of: (0x1f, 0x77, 0xb4))), c2 = try XCTUnwrap(image.centroid(of: (0x2c, 0xa0, 0x2c)))
        XCTAssertLessThan(c0.x + 100, c2.x)
        XCTAssertFalse(FileManager.default.fileExists(atPath: limit.appendingPathComponent("report_pca.png").path))

        let b = DiscaRunner.run(["report", unfinished.path])
        XCTAssertEqual(b.status, 0, b.stderr)
        XCTAssert(b.stdout.contains("the run has not finished: not converged and below loop.max_iterations = 10"), b.stdout)
    }

    func testBadRunDirectoriesExitTwoWithOneLine() throws {
        let file = dir.appendingPathComponent("plain.txt")
        try "x".write(to: file, atomically: true, encoding: .utf8)
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        let badLine = dir.appendingPathComponent("badline")
        try makeRun(badLine)
        try "{\"iteration\": 0, \"K\": 2}\n{\"iteration\": 1}\n".write(
            to: badLine.appendingPathComponent("history.jsonl"), atomically: true, encoding: .utf8)
        let badResult = dir.appendingPathComponent("badresult")
        try makeRun(badResult)
        try "not hdf5".write(to: badResult.appendingPathComponent("result.h5"), atomically: true, encoding: .utf8)
        let missing = dir.appendingPathComponent("missing").path
        let cases: [(String, String)] = [
            (missing, "\(missing): no such run directory"),
            (file.path, "\(file.path): not a directory (expected the run directory of `disca train`)"),
            (empty.path, "\(empty.path): not a disca run directory (no history.jsonl)"),
            (badLine.path, "\(badLine.path)/history.jsonl line 2: not an iteration record (key K missing)"),
            (badResult.path, "\(badResult.path)/result.h5: not an HDF5 file"),
        ]
        for (path, message) in cases {
            let r = DiscaRunner.run(["report", path])
            XCTAssertEqual(r.status, 2, "\(path): \(r.stderr)")
            XCTAssertEqual(r.discaErrorLines, ["disca: error: \(message)"], r.stderr)
            XCTAssertEqual(r.stdout, "")
        }
    }

    /// The PNG checker itself, on a compressed, filtered PNG from Pillow (skipped without python3 and Pillow):
    /// a checker that cannot decode real PNGs would make the pixel checks above meaningless.
    func testPNGCheckerDecodesACompressedFilteredPNG() throws {
        let path = dir.appendingPathComponent("pillow.png").path
        let script = """
            import sys, numpy as np
            from PIL import Image
            y, x = np.mgrid[0:23, 0:37]
            a = np.stack([(x * 7) % 256, (y * 11) % 256, (x * y) % 256], -1).astype(np.uint8)
            Image.fromarray(a).save(sys.argv[1])
            """
        let r = DiscaRunner.runProcess(["python3", "-c", script, path], timeoutSeconds: 60)
        guard r.status == 0 else { throw XCTSkip("python3 with numpy and Pillow not available: \(r.stderr.suffix(200))") }
        let image = try PNGCheck.decode(path: path)
        XCTAssertEqual([image.width, image.height, image.channels], [37, 23, 3])
        var mismatches = 0
        for y in 0..<23 { for x in 0..<37 where image.pixel(x, y) != [UInt8((x * 7) % 256), UInt8((y * 11) % 256), UInt8((x * y) % 256)] {
            mismatches += 1
        } }
        XCTAssertEqual(mismatches, 0)
        var corrupted = [UInt8](FileManager.default.contents(atPath: path)!)
        corrupted[40] ^= 0x10   // inside IHDR or IDAT: the chunk CRC no longer matches
        XCTAssertThrowsError(try PNGCheck.decode(corrupted))
    }

    func testTwoRanksPrintOneReport() throws {
        let run = dir.appendingPathComponent("run")
        try makeRun(run)
        let r = DiscaRunner.run(["report", run.path], ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertEqual(r.stdout.components(separatedBy: "disca report: ").count - 1, 1, r.stdout)
        let bad = DiscaRunner.run(["report", dir.appendingPathComponent("none").path], ranks: 2, timeoutSeconds: 60)
        XCTAssertFalse(bad.timedOut)
        XCTAssertEqual(bad.status, 2, bad.stderr)
        XCTAssertEqual(bad.discaErrorLines.count, 1, bad.stderr)
    }
}
