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
        try run.prepare(resume: false, force: false, comm: comm)
        try run.writeHistory(["{\"iteration\":0}"])
        XCTAssertThrowsError(try run.prepare(resume: false, force: false, comm: comm)) { e in
            XCTAssertEqual((e as? CollectiveError)?.exitCode, 2)
            XCTAssert("\(e)".contains("holds a run (history.jsonl)"), "\(e)")
        }
        let user = run.file("notes.txt")
        try "mine".write(toFile: user, atomically: true, encoding: .utf8)
        try run.prepare(resume: false, force: true, comm: comm)
        XCTAssertFalse(FileManager.default.fileExists(atPath: run.historyPath))
        XCTAssertEqual(try String(contentsOfFile: user, encoding: .utf8), "mine", "force removes only run files")
        XCTAssertThrowsError(try run.prepare(resume: true, force: false, comm: comm)) { e in
            XCTAssert("\(e)".contains("no checkpoint to resume from"), "\(e)")
        }
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
