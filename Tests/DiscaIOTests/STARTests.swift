import DiscaCore
@testable import DiscaIO
import Foundation
import XCTest

/// The STAR reader and writer. Fixtures in Fixtures/ are written by hand in the layout RELION writes (see
/// `STARDocument+Read.swift` for the grammar accepted).
final class STARTests: XCTestCase {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    var dir: URL!
    override func setUp() {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("star-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func fixture(_ name: String) -> String { Self.fixtures.appendingPathComponent(name).path }

    func testReadsBlocksPairsLoopsQuotesAndComments() throws {
        let doc = try STARDocument.read(fixture("general.star"))
        XCTAssertEqual(doc.blocks.map { $0.name }, ["general", "optics", ""])
        let general = try XCTUnwrap(doc.block("general"))
        XCTAssertEqual(general.pairs, [STARPair(key: "rlnTomoSubTomosAre2DStacks", value: "1"),
                                       STARPair(key: "rlnComment", value: "a value with spaces"),
                                       STARPair(key: "rlnEmpty", value: "")])
        XCTAssertNil(general.loop)
        XCTAssertEqual(try general.double(key: "rlnTomoSubTomosAre2DStacks"), 1)
        let optics = try XCTUnwrap(doc.block("optics"))
        XCTAssertEqual(optics.loop?.columns, ["rlnOpticsGroup", "rlnOpticsGroupName", "rlnImagePixelSize"])
        XCTAssertEqual(optics.loop?.rows, [["1", "optics group one", "1.350000"], ["2", "opticsGroup2", "2.700000"]])
        XCTAssertEqual(try optics.int(column: "rlnOpticsGroup", row: 1), 2)
        XCTAssertEqual(try optics.double(column: "rlnImagePixelSize", row: 1), 2.7)
        let bare = try XCTUnwrap(doc.block(""))
        XCTAssertEqual(try bare.string(column: "rlnMicrographName", row: 0), "dir with space/TS_01.mrc")
        XCTAssertEqual(try bare.double(column: "rlnCoordinateX", row: 1), -300)
    }

    func testReadWriteReadRoundTrip() throws {
        let doc = try STARDocument.read(fixture("general.star"))
        let path = dir.appendingPathComponent("out.star").path
        try doc.write(to: path)
        let again = try STARDocument.read(path)
        XCTAssertEqual(again, doc)
        XCTAssertEqual(try again.text(), try doc.text())
        XCTAssertEqual(try STARDocument.parse(try doc.text(versionComment: nil)), doc)
        let text = try doc.text()
        XCTAssertTrue(text.contains("\n_rlnOpticsGroup #1\n"), text)
        XCTAssertTrue(text.contains("\"optics group one\""), text)
        XCTAssertTrue(text.contains("_rlnEmpty \"\"\n"), text)
        XCTAssertTrue(text.hasPrefix("\n# version 50001\n\ndata_general\n\n"), text)
    }

    func testValuesThatNeedQuotesRoundTrip() throws {
        let values = ["", "a b", "#hash", "_under", "data_x", "loop_", "say \"hi\" there", "it's", "'lead",
                      "\"lead", "tab\there", "plain", "-1.5e-3"]
        let loop = STARLoop(columns: ["rlnValue", "rlnIndex"],
                            rows: values.enumerated().map { [$0.element, String($0.offset)] })
        let doc = STARDocument(blocks: [STARBlock(name: "values", loop: loop),
                                        STARBlock(name: "pairs", pairs: values.enumerated().map {
                                            STARPair(key: "rlnKey\($0.offset)", value: $0.element) })])
        let back = try STARDocument.parse(try doc.text())
        XCTAssertEqual(back, doc)
        XCTAssertEqual(back.block("values")?.loop?.rows.map { $0[0] }, values)
    }

    func testQuoteClosesOnlyBeforeWhitespace() throws {
        let doc = try STARDocument.parse("data_a\nloop_\n_rlnA\n_rlnB\n\"a\"b\" 'c d'\n")
        XCTAssertEqual(doc.blocks[0].loop?.rows, [["a\"b", "c d"]])
    }

    func testRowWithWrongNumberOfValuesNamesFileLineAndCounts() {
        assertBadInput(["bad.star", "line 6", "2 values", "3 columns"]) {
            _ = try STARDocument.parse("data_x\nloop_\n_rlnA #1\n_rlnB #2\n_rlnC #3\n1 2\n", file: "bad.star")
        }
        assertBadInput(["bad.star", "line 2", "not closed"]) {
            _ = try STARDocument.parse("data_x\n_rlnA \"open\n", file: "bad.star")
        }
        assertBadInput(["bad.star", "line 1", "data_NAME"]) {
            _ = try STARDocument.parse("_rlnA 1\n", file: "bad.star")
        }
        assertBadInput(["bad.star", "line 3", "outside a loop_"]) {
            _ = try STARDocument.parse("data_x\n_rlnA 1\n2 3\n", file: "bad.star")
        }
        assertBadInput(["bad.star", "line 4", "second loop_"]) {
            _ = try STARDocument.parse("data_x\nloop_\n_rlnA\nloop_\n", file: "bad.star")
        }
    }

    func testTypedAccessorsNameFileBlockColumnRowAndText() throws {
        let doc = try STARDocument.parse("data_particles\nloop_\n_rlnCoordinateX\n_rlnClassNumber\n1.5 2\nabc 2.5\n",
                                         file: "p.star")
        let b = doc.blocks[0]
        XCTAssertEqual(try b.double(column: "rlnCoordinateX", row: 0), 1.5)
        XCTAssertEqual(try b.int(column: "rlnClassNumber", row: 0), 2)
        assertBadInput(["p.star", "data_particles", "row 2", "_rlnCoordinateX", "\"abc\""]) {
            _ = try b.double(column: "rlnCoordinateX", row: 1)
        }
        assertBadInput(["p.star", "data_particles", "row 2", "_rlnClassNumber", "\"2.5\""]) {
            _ = try b.int(column: "rlnClassNumber", row: 1)
        }
        assertBadInput(["p.star", "data_particles", "_rlnCoordinateZ", "_rlnCoordinateX _rlnClassNumber"]) {
            _ = try b.double(column: "rlnCoordinateZ", row: 0)
        }
    }

    func testMissingFileNamesThePath() {
        let path = dir.appendingPathComponent("absent.star").path
        assertBadInput([path, "no such file"]) { _ = try STARDocument.read(path) }
    }

    /// Python `starfile` (installed here) reads a document disca wrote, with the same values.
    func testPythonStarfileReadsWhatDiscaWrites() throws {
        guard run("/usr/bin/env", ["python3", "-c", "import starfile"]).status == 0 else {
            throw XCTSkip("python3 with starfile not available")
        }
        let tomograms = [TomogramDescription(name: "TS_01", path: "/d/TS_01.mrc", sizeVoxels: (100, 80, 40),
                                             voxelSizeAngstrom: 10.8),
                         TomogramDescription(name: "TS 02", path: "/d/TS 02.mrc", sizeVoxels: (10, 10, 10),
                                             voxelSizeAngstrom: 10.8)]
        let picks = [ParticlePick(tomogramIndex: 0, x: 1.25, y: 2.5, z: 3.75, row: 0),
                     ParticlePick(tomogramIndex: 1, x: 9, y: 0, z: 4.125, row: 1)]
        let merit = [(name: "rlnAutopickFigureOfMerit", values: ["0.5", "0.25"])]
        var doc = try ParticlePicks.document(picks: picks, tomograms: tomograms, extraColumns: merit)
        doc.blocks.insert(STARBlock(name: "general", pairs: [STARPair(key: "rlnComment", value: "two words")]), at: 0)
        let path = dir.appendingPathComponent("picks.star").path
        try doc.write(to: path)
        let script = """
            import json, sys, starfile
            d = starfile.read(sys.argv[1], always_dict=True)
            p = d['particles']
            print(json.dumps({'blocks': list(d.keys()), 'comment': d['general']['rlnComment'],
                'names': [str(v) for v in p['rlnTomoName']],
                'xyz': [[float(r[c]) for c in ('rlnCoordinateX', 'rlnCoordinateY', 'rlnCoordinateZ')]
                        for _, r in p.iterrows()],
                'fom': [float(v) for v in p['rlnAutopickFigureOfMerit']]}))
            """
        let result = run("/usr/bin/env", ["python3", "-c", script, path])
        XCTAssertEqual(result.status, 0, result.output)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any])
        XCTAssertEqual(json["blocks"] as? [String], ["general", "particles"])
        XCTAssertEqual(json["comment"] as? String, "two words")
        XCTAssertEqual(json["names"] as? [String], ["TS_01", "TS 02"])
        XCTAssertEqual(json["xyz"] as? [[Double]], [[1.25, 2.5, 3.75], [9, 0, 4.125]])
        XCTAssertEqual(json["fom"] as? [Double], [0.5, 0.25])
    }

    /// Runs a program and returns its exit status and standard output (standard error when it fails).
    func run(_ executable: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return (-1, "\(error)") }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: process.terminationStatus == 0 ? stdout : stderr, as: UTF8.self)
        return (process.terminationStatus, text)
    }
}

/// Asserts that `body` throws a one-line `DiscaError.badInput` whose message contains every one of `parts`
/// (shared by the STAR and particle-pick tests).
func assertBadInput(_ parts: [String], file: StaticString = #filePath, line: UInt = #line,
                    _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected an error containing \(parts)", file: file, line: line)
    } catch DiscaError.badInput(let message) {
        XCTAssertFalse(message.contains("\n"), "one line: \(message)", file: file, line: line)
        for p in parts { XCTAssertTrue(message.contains(p), "\"\(message)\" lacks \"\(p)\"", file: file, line: line) }
    } catch {
        XCTFail("expected DiscaError.badInput, got \(error)", file: file, line: line)
    }
}
