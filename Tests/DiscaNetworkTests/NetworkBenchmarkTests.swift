import DiscaCore
@testable import DiscaNetwork
import Foundation
import XCTest

/// The benchmark runs (tiny, debug-friendly) and reports consistent numbers. Real measurements are a release build:
///   DISCA_BENCH_NETWORK=demo|paper swift test -c release -Xswiftc -enable-testing --filter NetworkBenchmarkTests
final class NetworkBenchmarkTests: XCTestCase {
    func testTinyBenchmarkRuns() throws {
        let a = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 2, featureSize: 4, boxVoxels: 7)
        let r = try NetworkBenchmark.run(architecture: a, batch: 3, threads: 1, sgemmSize: 256)
        XCTAssertGreaterThan(r.featuresPerSecond, 0)
        XCTAssertGreaterThan(r.trainPerSecond, 0)
        XCTAssertEqual(r.featuresGFLOPs / r.featuresPerSecond, a.forwardFLOPsPerSample / 1e9, accuracy: 1e-9)
        XCTAssertGreaterThan(r.sgemmGFLOPs, 0)
        XCTAssertEqual(r.threads, 1)
    }

    func testMeasure() throws {
        guard let which = ProcessInfo.processInfo.environment["DISCA_BENCH_NETWORK"] else {
            throw XCTSkip("set DISCA_BENCH_NETWORK=demo|paper (release build) to measure")
        }
        let batch = Int(ProcessInfo.processInfo.environment["DISCA_BENCH_BATCH"] ?? "") ?? (which == "paper" ? 64 : 16)
        let a = which == "paper" ? YOPOArchitecture.paper
            : YOPOArchitecture(blocks: 4, firstWidth: 16, widthStep: 8, featureSize: 128, boxVoxels: 16)
        let r = try NetworkBenchmark.run(architecture: a, batch: batch)
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        print("BENCH \(which) \(a): \(json)")
        print(String(format: "BENCH features %.1f%% of sgemm, training %.1f%% of sgemm",
                     100 * r.featuresGFLOPs / r.sgemmGFLOPs, 100 * r.trainGFLOPs / r.sgemmGFLOPs))
    }
}
