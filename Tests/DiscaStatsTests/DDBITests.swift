// Fixture: python3 tools/make_stats_fixtures.py  (the DISCA reference DDBI, numpy)
import XCTest
import DiscaCore
@testable import DiscaStats

private struct DDBIFixture: Decodable {
    struct Case: Decodable { let name: String, d: Int, k: Int, reg_covar: Double, x: [Double], labels: [Int32], ddbi: Double }
    let cases: [Case]
}

final class DDBITests: XCTestCase {
    func testMatchesReferenceOnOneAndTwoRanks() throws {
        for c in try Fixture.load("ddbi", as: DDBIFixture.self).cases {
            for ranks in [1, 2] {
                let values = try LocalGroup.run(size: ranks) { comm -> Double in
                    let rows = LocalRows.share(of: c.x.map { Float($0) }, dims: c.d, comm: comm)
                    return try DDBI.compute(rows, labels: Array(c.labels[rows.globalRows]), components: c.k,
                                            regCovar: c.reg_covar, comm: comm)
                }
                for v in values { assertNear(v, c.ddbi, rel: 1e-9, "\(c.name) on \(ranks) rank(s)") }
            }
        }
    }

    func testTighterClustersScoreLower() throws {
        let comm = SingleProcessCommunicator()
        var previous = Double.infinity
        for spread in [1.0, 3.0, 10.0] {   // the same noise, centres further apart: tighter relative to separation
            let (x, truth) = makeBlobs(classes: 4, perClass: 50, dims: 5, spread: spread, seed: 21)
            let v = try DDBI.compute(LocalRows(values: x, dims: 5, firstRow: 0), labels: truth, components: 4, comm: comm)
            XCTAssertLessThan(v, previous, "spread \(spread)")
            previous = v
        }
        // Random labels on well separated blobs are far worse than the true ones.
        let (x, truth) = makeBlobs(classes: 4, perClass: 50, dims: 5, spread: 10, seed: 21)
        let shuffled = truth.indices.map { Int32(($0 * 7 / 3) % 4) }
        let good = try DDBI.compute(LocalRows(values: x, dims: 5, firstRow: 0), labels: truth, components: 4, comm: comm)
        let bad = try DDBI.compute(LocalRows(values: x, dims: 5, firstRow: 0), labels: shuffled, components: 4, comm: comm)
        XCTAssertLessThan(good * 10, bad)
    }

    func testEmptyAndSingletonClustersStayFinite() throws {
        let (x, truth) = makeBlobs(classes: 3, perClass: 20, dims: 4, spread: 5, seed: 2)
        var labels = truth
        labels[0] = 4                       // a singleton cluster; cluster 3 is empty
        let v = try DDBI.compute(LocalRows(values: x, dims: 4, firstRow: 0), labels: labels, components: 5,
                                 comm: SingleProcessCommunicator())
        XCTAssertTrue(v.isFinite && v > 0)
        let single = try DDBI.compute(LocalRows(values: x, dims: 4, firstRow: 0),
                                      labels: [Int32](repeating: 0, count: truth.count), components: 1,
                                      comm: SingleProcessCommunicator())
        XCTAssertEqual(single, 0)
    }
}
