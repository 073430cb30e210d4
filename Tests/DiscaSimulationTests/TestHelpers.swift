import DiscaCore
import Foundation
import XCTest

/// A fresh temporary folder for one test, removed at the end.
func makeTemporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("disca-sim-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The folder of committed fixtures beside this file (regenerate with `python3 tools/make_mrc_fixture.py`).
let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The ten real density maps, when this checkout has them (shared/data/structures); nil otherwise.
func sharedStructuresFolder() -> URL? {
    var dir = URL(fileURLWithPath: #filePath)
    for _ in 0..<6 {
        dir = dir.deletingLastPathComponent()
        for candidate in ["shared/data/structures", "../shared/data/structures"] {
            let url = dir.appendingPathComponent(candidate).standardizedFileURL
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("4v4r.mrc").path) { return url }
        }
    }
    return nil
}

/// Asserts that `body` throws `DiscaError.badInput` whose message contains every one of `fragments`.
func assertBadInput(_ fragments: [String], file: StaticString = #filePath, line: UInt = #line,
                    _ body: () throws -> Void) {
    do {
        try body()
        XCTFail("expected DiscaError.badInput mentioning \(fragments)", file: file, line: line)
    } catch DiscaError.badInput(let message) {
        for f in fragments { XCTAssertTrue(message.contains(f), "'\(message)' lacks '\(f)'", file: file, line: line) }
    } catch {
        XCTFail("expected DiscaError.badInput, got \(error)", file: file, line: line)
    }
}
