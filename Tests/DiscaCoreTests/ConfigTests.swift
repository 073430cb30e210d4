import DiscaCore
import _TestSupport
import XCTest

final class ConfigTests: XCTestCase {
    func testPaperConfigGivesThePublishedNetwork() throws {
        let c = try DiscaConfig.load(path: TestPaths.repositoryRoot.appendingPathComponent("configs/paper.toml").path)
        XCTAssertEqual(c.network.blocks, 10)
        let widths = (0..<c.network.blocks).map { c.network.firstWidth + c.network.widthStep * $0 }
        XCTAssertEqual(widths.reduce(0, +), 1360)
        XCTAssertEqual(c.network.featureSize, 1024)
        XCTAssertEqual(try c.candidateKs(), Array(2...20))
        XCTAssertEqual(c.loop.minIterations, 0)
        XCTAssertEqual(c.training.learningRate, 1e-5)
    }

    func testEveryShippedConfigLoads() throws {
        let dir = TestPaths.repositoryRoot.appendingPathComponent("configs")
        for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) where name.hasSuffix(".toml") {
            XCTAssertNoThrow(try DiscaConfig.load(path: dir.appendingPathComponent(name).path), name)
        }
    }

    func testOverridesAndRenderRoundTrip() throws {
        let c = try DiscaConfig.load(path: nil, overrides: ["network.blocks=3", "mixture.candidates=5,10,20",
                                                           "training.learning_rate=2e-4", "input.dataset=/vols"])
        XCTAssertEqual(c.network.blocks, 3)
        XCTAssertEqual(try c.candidateKs(), [5, 10, 20])
        XCTAssertEqual(c.training.learningRate, 2e-4)
        XCTAssertEqual(c.input.dataset, "/vols")
        let file = TestPaths.temporaryDirectory().appendingPathComponent("effective.toml")
        try c.renderTOML().write(to: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try DiscaConfig.load(path: file.path), c)
    }

    func testUnknownKeysAndBadValuesAreNamed() throws {
        let file = TestPaths.temporaryDirectory().appendingPathComponent("bad.toml")
        try "[network]\nblockz = 3\n".write(to: file, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DiscaConfig.load(path: file.path)) { e in
            XCTAssertEqual("\(e)", "\(file.path): unknown key network.blockz")
            XCTAssertEqual((e as? DiscaError)?.exitCode, 2)
        }
        XCTAssertThrowsError(try DiscaConfig.load(path: nil, overrides: ["network.blocks=many"])) { e in
            XCTAssertEqual("\(e)", "--set network.blocks=many: network.blocks must be an integer")
        }
        XCTAssertThrowsError(try DiscaConfig.load(path: nil, overrides: ["loop.max_iterations=0"])) { e in
            XCTAssert("\(e)".contains("loop.max_iterations"))
        }
        XCTAssertThrowsError(try DiscaConfig.load(path: nil, overrides: ["mixture.candidates=5-2"]))
        XCTAssertThrowsError(try DiscaConfig.load(path: "/nonexistent/x.toml")) { e in
            XCTAssert("\(e)".contains("/nonexistent/x.toml"))
        }
    }
}
