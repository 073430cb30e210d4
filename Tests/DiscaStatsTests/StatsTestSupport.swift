import Foundation
import XCTest
import DiscaCore
@testable import DiscaStats

/// Fixtures under Tests/DiscaStatsTests/Fixtures, made by `python3 tools/make_stats_fixtures.py`.
enum Fixture {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load<T: Decodable>(_ name: String, as: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: folder.appendingPathComponent(name + ".json"))
        return try JSONDecoder().decode(T.self, from: data)
    }
}

/// Asserts |a - b| <= rel * max(|a|, |b|) + abs elementwise, naming the worst element.
func assertNear(_ a: [Double], _ b: [Double], rel: Double, abs absTol: Double = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "\(what): sizes", file: file, line: line)
    var worst = 0.0, at = -1
    for i in 0..<min(a.count, b.count) {
        let excess = Swift.abs(a[i] - b[i]) - (rel * max(Swift.abs(a[i]), Swift.abs(b[i])) + absTol)
        if excess > worst || !(a[i] - b[i]).isFinite && a[i] != b[i] { worst = max(excess, .ulpOfOne); at = i }
    }
    if at >= 0 {
        XCTFail("\(what): element \(at): \(a[at]) vs \(b[at]) (|diff| \(Swift.abs(a[at] - b[at])))", file: file, line: line)
    }
}

func assertNear(_ a: Double, _ b: Double, rel: Double, abs absTol: Double = 0, _ what: String,
                 file: StaticString = #filePath, line: UInt = #line) {
    assertNear([a], [b], rel: rel, abs: absTol, what, file: file, line: line)
}

/// Gaussian blobs: `perClass` rows for each of `classes` centres drawn N(0, spread^2) per coordinate, unit
/// isotropic noise; rows interleaved (row n belongs to class n % classes). Deterministic in `seed`.
func makeBlobs(classes: Int, perClass: Int, dims: Int, spread: Double, seed: UInt64) -> (x: [Float], truth: [Int32]) {
    var centres = [Double](repeating: 0, count: classes * dims)
    var g = RandomStream(seed: seed, key: RandomKey(.test, iteration: 1))
    for i in centres.indices { centres[i] = spread * g.normal() }
    let n = classes * perClass
    var x = [Float](repeating: 0, count: n * dims)
    var truth = [Int32](repeating: 0, count: n)
    for r in 0..<n {
        let c = r % classes
        truth[r] = Int32(c)
        var s = RandomStream(seed: seed, key: RandomKey(.test, iteration: 2, item: r))
        for j in 0..<dims { x[r * dims + j] = Float(centres[c * dims + j] + s.normal()) }
    }
    return (x, truth)
}
