import DiscaCore
import DiscaIO
import DiscaTraining
import _TestSupport
import XCTest

final class RunDirectoryTests: XCTestCase {
    func testNewRunRefusesAnExistingRunUnlessForced() throws {
        let dir = TestPaths.temporaryDirectory("run")
        let run = RunDirectory(path: dir.appendingPathComponent("r").path)
        let comm = SingleProcessCommunicator()
        _ = try run.prepare(resume: false, force: false, comm: comm)
        try run.writeHistory(["{\"iteration\":0}"])
        XCTAssertThrowsError(try run.prepare(resume: false, force: false, comm: comm)) { e in
            XCTAssertEqual((e as? CollectiveError)?.exitCode, 2)
            XCTAssert("\(e)".contains("holds a run (history.jsonl)"), "\(e)")
        }
        let user = run.file("notes.txt")
        try "mine".write(toFile: user, atomically: true, encoding: .utf8)
        _ = try run.prepare(resume: false, force: true, comm: comm)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.historyPath))
        XCTAssertEqual(try String(contentsOfFile: user, encoding: .utf8), "mine", "force removes only run files")
        XCTAssertThrowsError(try run.prepare(resume: true, force: false, comm: comm)) { e in
            XCTAssert("\(e)".contains("no run to resume"), "\(e)")
        }
    }

    /// A run stopped before its first whole checkpoint left files but nothing to resume from: `--resume` starts it
    /// again (its files removed, the user's kept) instead of refusing both a resume and a new run.
    func testResumeWithoutAWholeCheckpointStartsAgain() throws {
        let run = RunDirectory(path: TestPaths.temporaryDirectory("early").appendingPathComponent("r").path)
        let comm = SingleProcessCommunicator()
        _ = try run.prepare(resume: false, force: false, comm: comm)
        try run.writeHistory(["{\"iteration\":0}"])
        try "x".write(toFile: run.file("checkpoint.h5.tmp"), atomically: true, encoding: .utf8)
        try "mine".write(toFile: run.file("notes.txt"), atomically: true, encoding: .utf8)
        var said: [String] = []
        let prepared = try run.prepare(resume: true, force: false, comm: comm, say: { said.append($0) })
        XCTAssertFalse(prepared.fromCheckpoint)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.historyPath))
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.file("checkpoint.h5.tmp")))
        XCTAssertEqual(try String(contentsOfFile: run.file("notes.txt"), encoding: .utf8), "mine")
        XCTAssertEqual(said.count, 1)
        XCTAssert(said[0].contains("before its first whole checkpoint"), said[0])
    }

    /// The lock: while another process holds RUNDIR/lock (a POSIX record lock, as `RunLock` takes it), prepare
    /// refuses with the holder's line; once that process is gone the lock is free again.
    func testAnotherProcessHoldingTheLockIsRefusedByName() throws {
        let run = RunDirectory(path: TestPaths.temporaryDirectory("locked").appendingPathComponent("r").path)
        try FileManager.default.createDirectory(atPath: run.path, withIntermediateDirectories: true)
        let lockPath = run.file(RunLock.fileName)
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        holder.arguments = ["python3", "-c", """
            import fcntl, os, sys, time
            f = open(sys.argv[1], "a+"); fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            f.truncate(0); f.write("host test pid %d since now\\n" % os.getpid()); f.flush()
            print("locked", flush=True); time.sleep(60)
            """, lockPath]
        let out = Pipe()
        holder.standardOutput = out
        do { try holder.run() } catch { throw XCTSkip("python3 not available to hold a lock: \(error)") }
        defer { if holder.isRunning { holder.terminate() }; holder.waitUntilExit() }
        let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        guard line.contains("locked") else { throw XCTSkip("python3 could not take the lock: \(line)") }
        XCTAssertThrowsError(try run.prepare(resume: false, force: true, comm: SingleProcessCommunicator())) { e in
            XCTAssertEqual((e as? CollectiveError)?.exitCode, 2)
            XCTAssert("\(e)".contains("another disca train is running"), "\(e)")
            XCTAssert("\(e)".contains("pid \(holder.processIdentifier)"), "\(e)")
        }
        holder.terminate()
        holder.waitUntilExit()
        XCTAssertNoThrow(try run.prepare(resume: false, force: false, comm: SingleProcessCommunicator()))
    }

    func testCheckpointFallsBackToThePreviousWholeOne() throws {
        let dir = TestPaths.temporaryDirectory("ckpt")
        let run = RunDirectory(path: dir.path)
        let files = CheckpointFiles(directory: run)
        let comm = SingleProcessCommunicator()
        for step in [1, 2] {
            let f = try files.beginWrite(comm: comm)
            try f.setAttribute("step", .int(step))
            try files.commit(f, comm: comm)
        }
        XCTAssertEqual(try files.openNewestWhole(comm: comm).intAttribute("step"), 2)
        // Truncate the newest: resume falls back to the previous whole one.
        let data = try Data(contentsOf: URL(fileURLWithPath: files.currentPath))
        try data.prefix(100).write(to: URL(fileURLWithPath: files.currentPath))
        XCTAssertEqual(try files.openNewestWhole(comm: comm).intAttribute("step"), 1)
        // A temporary file that was never marked complete is not used.
        let partial = try HDF5File.create(files.temporaryPath)
        try partial.setAttribute("step", .int(3))
        try partial.close()
        XCTAssertEqual(try files.openNewestWhole(comm: comm).intAttribute("step"), 1)
        try FileManager.default.removeItem(atPath: files.previousPath)
        XCTAssertThrowsError(try files.openNewestWhole(comm: comm)) { e in
            XCTAssert("\(e)".contains("no whole checkpoint"), "\(e)")
        }
    }
}
