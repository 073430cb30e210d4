// Fixture: python3 tools/make_stats_fixtures.py  (sklearn.metrics homogeneity_completeness_v_measure,
// adjusted_rand_score; accuracy via scipy linear_sum_assignment on the contingency matrix)
import XCTest
import DiscaCore
@testable import DiscaStats

private struct MetricsFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let truth: [Int], predicted: [Int]
        let homogeneity: Double, completeness: Double, v_measure: Double, adjusted_rand: Double
        let accuracy: Double?
    }
    let cases: [Case]
}

final class ClusteringMetricsTests: XCTestCase {
    func testMatchesScikitLearn() throws {
        let fixture = try Fixture.load("metrics", as: MetricsFixture.self)
        XCTAssertEqual(fixture.cases.count, 6)
        for c in fixture.cases {
            let m = ClusteringMetrics.compute(predicted: c.predicted, truth: c.truth)
            XCTAssertEqual(m.homogeneity, c.homogeneity, accuracy: 1e-9, c.name)
            XCTAssertEqual(m.completeness, c.completeness, accuracy: 1e-9, c.name)
            XCTAssertEqual(m.vMeasure, c.v_measure, accuracy: 1e-9, c.name)
            XCTAssertEqual(m.adjustedRandIndex, c.adjusted_rand, accuracy: 1e-9, c.name)
            XCTAssertEqual(m.accuracy == nil, c.accuracy == nil, "\(c.name): accuracy only when K matches")
            if let a = m.accuracy, let b = c.accuracy { XCTAssertEqual(a, b, accuracy: 1e-12, c.name) }
            XCTAssertEqual(m.sampleCount, c.truth.count)
        }
    }

    func testDistributedEqualsWhole() throws {
        let fixture = try Fixture.load("metrics", as: MetricsFixture.self)
        let c = fixture.cases.first { $0.name == "noisy_permuted" }!
        let whole = ClusteringMetrics.compute(predicted: c.predicted, truth: c.truth)
        for ranks in [2, 3] {
            let parts = try LocalGroup.run(size: ranks) { comm -> ClusteringMetrics in
                let r = comm.rows(of: c.truth.count)
                return try ClusteringMetrics.compute(predicted: c.predicted[r].map { Int32($0) },
                                                     truth: c.truth[r].map { Int32($0) }, comm: comm)
            }
            for p in parts { XCTAssertEqual(p, whole) }
        }
    }

    func testPerfectAndDegenerate() {
        let perfect = ClusteringMetrics.compute(predicted: [5, 5, 9, 9, 1], truth: [0, 0, 1, 1, 2])
        XCTAssertEqual(perfect.homogeneity, 1)
        XCTAssertEqual(perfect.completeness, 1)
        XCTAssertEqual(perfect.adjustedRandIndex, 1)
        XCTAssertEqual(perfect.accuracy, 1)
        XCTAssertEqual(perfect.clusters, 3)
        let one = ClusteringMetrics.compute(predicted: [0, 0, 0, 0], truth: [0, 1, 0, 1])
        XCTAssertEqual(one.homogeneity, 0)
        XCTAssertEqual(one.completeness, 1)
        XCTAssertNil(one.accuracy)
    }
}
