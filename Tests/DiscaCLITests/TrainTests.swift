import DiscaIO
import _TestSupport
import XCTest

/// End-to-end runs of `disca train` / `predict` on a tiny simulated set (36 subtomograms of 12^3, a 2-block network),
/// alone and under mpirun: outputs, rank independence, stop/kill and resume, bad input.
final class TrainTests: XCTestCase {
    static var dir: URL!
    static var dataset: String { dir.appendingPathComponent("tiny.h5").path }
    static var config: String { dir.appendingPathComponent("tiny.toml").path }

    override class func setUp() {
        dir = TestPaths.temporaryDirectory("train")
        let toml = """
            [network]
            blocks = 2
            first_width = 4
            width_step = 4
            feature_size = 8
            [training]
            batch_size = 8
            head_epochs = 2
            learning_rate = 1e-3
            min_steps_per_iteration = 0
            [mixture]
            pca_components = 4
            candidates = "2-4"
            n_init = 2
            [loop]
            max_iterations = 3
            min_iterations = 3
            explore_iterations = 1
            seed = 5
            [input]
            read_rows = 7
            [refine]
            rounds = 0
            """
        try! toml.write(toFile: config, atomically: true, encoding: .utf8)
        let r = DiscaRunner.run(["simulate", "--output", dataset, "--per-class", "12", "--box", "12",
                                 "--phantoms", "ring,rod,dumbbell", "--snr", "1", "--seed", "2"])
        precondition(r.status == 0, "simulate failed: \(r.stderr)")
    }

    override class func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func runDir(_ name: String) -> String { Self.dir.appendingPathComponent(name).path }

    func train(_ out: String, ranks: Int? = nil, _ extra: [String] = []) -> ProcessResult {
        DiscaRunner.run(["train", "--input", Self.dataset, "--output", out, "--config", Self.config] + extra,
                        ranks: ranks, timeoutSeconds: 300)
    }

    func labels(_ run: String) throws -> [Int32] { try HDF5File.open(run + "/result.h5").read("/labels") }
    func weights(_ run: String) throws -> [Float] { try HDF5File.open(run + "/checkpoint.h5").read("/network/parameters") }

    func testTrainWritesEveryOutput() throws {
        let out = runDir("full")
        let r = train(out)
        XCTAssertEqual(r.status, 0, r.stderr)
        let f = try HDF5File.open(out + "/result.h5")
        let k = try f.intAttribute("K")
        XCTAssertEqual(try f.info(of: "/labels").shape, [36])
        XCTAssertEqual(try f.info(of: "/features").shape, [36, 8])
        // pca_components = 4, but 36 rows support only 2 dimensions for K up to 4 (mixture.cap_pca_by_n):
        // 4 * (3 + 6 + 1) = 40 > 36.
        XCTAssertEqual(try f.info(of: "/features_pca").shape, [36, 2])
        XCTAssertEqual(try f.info(of: "/posterior").shape, [36, k])
        let labels: [Int32] = try f.read("/labels")
        XCTAssert(labels.allSatisfy { $0 >= 0 && Int($0) < k })
        XCTAssertEqual(Set(labels).count, k, "K counts non-empty clusters")
        let posterior: [Float] = try f.read("/posterior")
        for i in 0..<36 { XCTAssertEqual(posterior[(i * k)..<((i + 1) * k)].reduce(0, +), 1, accuracy: 1e-4) }
        let history = try String(contentsOfFile: out + "/history.jsonl", encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(history.count, 3)
        let best = try f.intAttribute("best_iteration")
        let ddbis = try history.map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .map { $0["ddbi"] as! Double }
        XCTAssertEqual(ddbis.firstIndex(of: ddbis.min()!), best, "result is the lowest-DDBI iteration")
        XCTAssertEqual(try f.doubleAttribute("ddbi"), ddbis.min()!, accuracy: 1e-12)
        // Every candidate K's BIC is in the history; the chosen one is the lowest.
        for line in history {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            XCTAssertEqual(object["candidate_k"] as? [Int], [2, 3, 4])
            let bics = object["candidate_bic"] as! [Double]
            XCTAssertEqual(bics.count, 3)
            XCTAssertEqual(bics.min()!, object["bic"] as! Double, accuracy: 1e-9 * abs(bics.min()!))
        }
        XCTAssert(try String(contentsOfFile: out + "/config.toml", encoding: .utf8).contains("blocks = 2"))
        let samples = try HDF5File.open(out + "/samples.h5")
        XCTAssertEqual(try samples.members(of: "/").filter { $0.hasPrefix("iteration_") }.count, 3)

        // predict with the trained model reproduces the labels of the best iteration (same network, PCA, mixture).
        let predicted = Self.dir.appendingPathComponent("predicted.h5").path
        let p = DiscaRunner.run(["predict", "--model", out, "--input", Self.dataset, "--output", predicted], ranks: 2)
        XCTAssertEqual(p.status, 0, p.stderr)
        let again: [Int32] = try HDF5File.open(predicted).read("/labels")
        XCTAssertEqual(again, labels)
    }

    /// The alignment stage after the loop (refine.rounds > 0): result.h5 keeps the loop's labels as
    /// /labels_network (equal to a run without refinement), adds class averages and poses; 1 and 2 ranks agree;
    /// resuming the finished run changes nothing; `disca refine` on the loop's labels gives the same labels.
    func testRefinementAfterTheLoop() throws {
        let plain = runDir("plain"), one = runDir("refined1"), two = runDir("refined2")
        let refine = ["--set", "refine.rounds=2", "--set", "refine.rotations=40", "--set", "refine.start_classes=4",
                      "--set", "refine.smallest_class=0.05"]
        XCTAssertEqual(train(plain).status, 0)
        let r1 = train(one, refine), r2 = train(two, ranks: 2, refine)
        XCTAssertEqual(r1.status, 0, r1.stderr)
        XCTAssertEqual(r2.status, 0, r2.stderr)
        let f = try HDF5File.open(one + "/result.h5")
        let k = try f.intAttribute("K")
        let network: [Int32] = try f.read("/labels_network")
        XCTAssertEqual(network, try labels(plain))
        XCTAssertEqual(try f.intAttribute("K_network"), try HDF5File.open(plain + "/result.h5").intAttribute("K"))
        XCTAssertEqual(try f.info(of: "/class_averages").shape, [k, 12, 12, 12])
        XCTAssertEqual(try f.info(of: "/alignment_rotations").shape, [36, 3, 3])
        let refined = try labels(one)
        XCTAssert(refined.allSatisfy { $0 >= 0 && Int($0) < k })
        XCTAssertEqual(refined, try labels(two), "1 and 2 ranks")
        let rotations: [Float] = try f.read("/alignment_rotations")
        for i in 0..<36 {   // each a rotation: R R^T = I
            let m = (0..<9).map { Double(rotations[i * 9 + $0]) }
            for a in 0..<3 { for b in 0..<3 {
                let dot = (0..<3).map { m[a * 3 + $0] * m[b * 3 + $0] }.reduce(0, +)
                XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-5)
            } }
        }
        let report = DiscaRunner.run(["report", one])
        XCTAssertEqual(report.status, 0, report.stderr)
        let again = train(one, refine + ["--resume"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssert(again.stdout.contains("already finished"), again.stdout)
        XCTAssert(again.stdout.contains("(K \(k),"), again.stdout)
        XCTAssertEqual(try labels(one), refined)

        // The same stage alone, from the loop's labels.
        let out = Self.dir.appendingPathComponent("refined.h5").path
        let alone = DiscaRunner.run(["refine", "--input", Self.dataset, "--labels", plain + "/result.h5",
                                     "--output", out, "--config", Self.config] + refine, ranks: 2)
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(try HDF5File.open(out).read("/labels") as [Int32], refined)
        // An output that is an input is refused, and the input is left alone.
        let before = try Data(contentsOf: URL(fileURLWithPath: Self.dataset))
        let clash = DiscaRunner.run(["refine", "--input", Self.dataset, "--output", Self.dataset, "--force"])
        XCTAssertEqual(clash.status, 2, clash.stderr)
        XCTAssertEqual(clash.discaErrorLines.count, 1, clash.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: Self.dataset)), before)
    }

    func testOneAndTwoRanksGiveTheSameLabels() throws {
        let one = runDir("one"), two = runDir("two")
        XCTAssertEqual(train(one).status, 0)
        let r = train(two, ranks: 2)
        XCTAssertEqual(r.status, 0, r.stderr)
        let a = try labels(one), b = try labels(two)
        let agree = zip(a, b).filter { $0 == $1 }.count
        XCTAssertGreaterThanOrEqual(Double(agree) / Double(a.count), 0.99)
    }

    func testStopAfterCheckpointThenResumeIsIdentical() throws {
        let whole = runDir("whole"), cut = runDir("cut")
        XCTAssertEqual(train(whole, ranks: 2).status, 0)
        // A stop request before step 7 (iteration 1): exit 75, a checkpoint, then resume to the end.
        let stopped = train(cut, ranks: 2, ["--stop-at-step", "7"])
        XCTAssertEqual(stopped.status, 75, stopped.stderr)
        XCTAssert(stopped.discaErrorLines.joined().contains("after writing a checkpoint"), stopped.stderr)
        XCTAssert(FileManager.default.fileExists(atPath: cut + "/checkpoint.h5"))
        let resumed = train(cut, ranks: 2, ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try labels(cut), try labels(whole))
        XCTAssertEqual(try weights(cut), try weights(whole), "weights identical after resume")
        let h1 = try String(contentsOfFile: whole + "/history.jsonl", encoding: .utf8).split(separator: "\n").count
        let h2 = try String(contentsOfFile: cut + "/history.jsonl", encoding: .utf8).split(separator: "\n").count
        XCTAssertEqual(h1, h2)
    }

    func testSignalToMpirunCheckpointsAndKill9Resumes() throws {
        let whole = runDir("whole-sig"), sig = runDir("sig"), killed = runDir("killed")
        // A longer run (30 iterations) so that the signal and the kill land mid-run.
        let longer = ["--set", "loop.max_iterations=30", "--set", "loop.min_iterations=30"]
        XCTAssertEqual(train(whole, ranks: 2, longer).status, 0)
        // SIGUSR1 to mpirun (Slurm's warning signal): forwarded to the ranks, checkpoint, status 75.
        let p = try RunningDisca(["train", "--input", Self.dataset, "--output", sig, "--config", Self.config] + longer,
                                 ranks: 2)
        XCTAssert(p.waitUntil(timeoutSeconds: 120) { p.stdoutSoFar.contains("iteration 2:") })
        p.signal(SIGUSR1)
        let r = p.finish()
        XCTAssertNotEqual(r.status, 0, "the signal arrived before the end of a 30-iteration run")
        do {
            XCTAssertEqual(r.status, 75, r.stderr)
            XCTAssert(r.stderr.contains("stopped on SIGUSR1"), r.stderr)
            XCTAssertEqual(train(sig, ranks: 2, ["--resume"] + longer).status, 0)
            XCTAssertEqual(try labels(sig), try labels(whole))
            XCTAssertEqual(try weights(sig), try weights(whole))
        }
        // SIGKILL at some moment after the first checkpoint exists (mid-step or mid-write): resume from the last
        // whole checkpoint and end identically.
        let k = try RunningDisca(["train", "--input", Self.dataset, "--output", killed, "--config", Self.config] + longer,
                                 ranks: 2)
        _ = k.waitUntil(timeoutSeconds: 120) { k.stdoutSoFar.contains("iteration 3:") }
        usleep(100_000)
        // The ranks first (found while mpirun is alive to be their parent), then mpirun; wait until they are gone,
        // so nothing of the killed job still writes when the resume starts.
        let ranks = childPIDs(of: k.pid)
        for child in ranks { kill(child, SIGKILL) }
        kill(k.pid, SIGKILL)
        _ = k.finish(timeoutSeconds: 30)
        for child in ranks {
            for _ in 0..<500 where FileManager.default.fileExists(atPath: "/proc/\(child)/stat") {
                if let stat = try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8), stat.contains(") Z ") { break }
                usleep(10_000)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: killed + "/result.h5") &&
                       (try? String(contentsOfFile: killed + "/history.jsonl", encoding: .utf8))?.split(separator: "\n").count == 30,
                       "the kill landed before the end")
        do {
            let resumed = train(killed, ranks: 2, ["--resume"] + longer)
            XCTAssertEqual(resumed.status, 0, resumed.stderr)
            XCTAssertEqual(try labels(killed), try labels(whole))
            XCTAssertEqual(try weights(killed), try weights(whole))
        }
    }

    func testCorruptCheckpointFallsBackToThePreviousOne() throws {
        let whole = runDir("whole-c"), cut = runDir("corrupt")
        XCTAssertEqual(train(whole).status, 0)
        XCTAssertEqual(train(cut, ["--stop-at-step", "12"]).status, 75)
        XCTAssert(FileManager.default.fileExists(atPath: cut + "/checkpoint.previous.h5"))
        let data = try Data(contentsOf: URL(fileURLWithPath: cut + "/checkpoint.h5"))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut + "/checkpoint.h5"))
        let resumed = train(cut, ["--resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertEqual(try labels(cut), try labels(whole))
        XCTAssertEqual(try weights(cut), try weights(whole))
    }

    /// Streaming: a set 10x larger (82 MB of subtomograms against 8 MB) costs each rank almost no more memory,
    /// because ranks read blocks of `input.read_rows` and keep only their rows' small per-sample outputs.
    func testPeakMemoryDoesNotGrowWithTheDataset() throws {
        func peak(rows: Int) throws -> [Int] {
            let path = Self.dir.appendingPathComponent("noise\(rows).h5").path
            let f = try HDF5File.create(path)
            try f.createDataset("/subtomograms", type: .float32, shape: [rows, 8, 8, 8], chunk: [1, 8, 8, 8])
            var stream = 0.0
            for start in stride(from: 0, to: rows, by: 1000) {
                let block = (0..<(min(1000, rows - start) * 512)).map { _ -> Float in
                    stream += 0.618_034; return Float(stream.truncatingRemainder(dividingBy: 1)) - 0.5
                }
                try f.writeRows("/subtomograms", rows: start..<min(start + 1000, rows), data: block)
            }
            try f.close()
            let r = train(runDir("mem\(rows)"), ranks: 2, ["--set", "loop.max_iterations=1", "--set", "input.read_rows=64"])
            XCTAssertEqual(r.status, 0, r.stderr)
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix("peak RSS per rank (MB):") } ?? ""
            return line.split(separator: ":").last!.split(separator: " ").compactMap { Int($0) }
        }
        let small = try peak(rows: 4000), large = try peak(rows: 40000)
        XCTAssertEqual(small.count, 2)
        XCTAssertEqual(large.count, 2)
        for (a, b) in zip(small, large) {
            XCTAssertLessThan(b - a, 30, "peak RSS grew from \(a) to \(b) MB for 74 MB more input")
        }
    }

    func testBadInputIsOneLineExitTwoOnEveryRank() throws {
        let d = Self.dir!
        // NaN in row 5.
        let nan = d.appendingPathComponent("nan.h5").path
        var values = [Float](repeating: 0.5, count: 8 * 12 * 12 * 12)
        values[5 * 1728 + 17] = .nan
        let f = try HDF5File.create(nan)
        try f.write("/subtomograms", values, shape: [8, 12, 12, 12])
        try f.close()
        let three = d.appendingPathComponent("rank3.h5").path
        let g = try HDF5File.create(three)
        try g.write("/subtomograms", [Float](repeating: 0, count: 8 * 144), shape: [8, 12, 12])
        try g.write("/few", [Float](repeating: 0, count: 1 * 1728), shape: [1, 12, 12, 12])
        try g.write("/small", [Float](repeating: 0, count: 2 * 27), shape: [2, 3, 3, 3])
        try g.close()
        let existing = runDir("existing")
        XCTAssertEqual(train(existing).status, 0)
        let other = d.appendingPathComponent("other.h5").path
        XCTAssertEqual(DiscaRunner.run(["simulate", "--output", other, "--per-class", "12", "--box", "12",
                                        "--phantoms", "ring,rod,dumbbell", "--snr", "1", "--seed", "3"]).status, 0)
        let cases: [([String], String)] = [
            (["--input", nan], "row 5 contains NaN or Inf"),
            (["--input", three], "has shape (8, 12, 12), expected 4 dimensions"),
            (["--input", three, "--set", "input.dataset=/few"], "fewer than the 2 ranks"),
            (["--input", three, "--set", "input.dataset=/small"], "too small for network.blocks = 2"),
            (["--input", Self.dataset, "--set", "network.widht=3"], "unknown key network.widht"),
            (["--input", Self.dataset, "--output", existing], "holds a run"),
            (["--input", Self.dataset, "--output", runDir("never"), "--resume"], "no run to resume"),
            (["--input", Self.dataset, "--output", existing, "--resume", "--set", "network.blocks=1"],
             "configuration differs from the checkpoint's: network.blocks 2 -> 1"),
            (["--input", nan, "--output", existing, "--resume"], "row 5 contains NaN"),
            (["--input", other, "--output", existing, "--resume"], "the checkpoint was made for a different dataset"),
        ]
        for (args, expected) in cases {
            var argv = ["train", "--config", Self.config] + args
            if !args.contains("--output") { argv += ["--output", runDir("bad-\(UUID().uuidString)")] }
            let r = DiscaRunner.run(argv, ranks: 2, timeoutSeconds: 120)
            XCTAssertFalse(r.timedOut, "hung: \(args)")
            XCTAssertEqual(r.status, 2, "\(args): \(r.stderr)")
            XCTAssertEqual(r.discaErrorLines.count, 1, "\(args): \(r.stderr)")
            XCTAssert(r.discaErrorLines.first?.contains(expected) ?? false, "\(args): expected '\(expected)' in \(r.stderr)")
        }
        XCTAssertEqual(try labels(existing).count, 36, "the existing run was not touched")
    }
}

/// Child processes of `pid` (mpirun's ranks), from /proc.
func childPIDs(of pid: Int32) -> [Int32] {
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
    return entries.compactMap { Int32($0) }.filter { p in
        guard let stat = try? String(contentsOfFile: "/proc/\(p)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 && Int32(fields[1]) == pid
    }
}
