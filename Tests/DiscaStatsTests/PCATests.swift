// Fixture: python3 tools/make_stats_fixtures.py  (scikit-learn PCA, svd_solver="full")
import XCTest
import DiscaCore
@testable import DiscaStats

private struct PCAFixture: Decodable {
    let n: Int, d: Int, k: Int
    let x: [Double], mean: [Double], components: [Double], explained_variance: [Double]
    let explained_variance_ratio: [Double], projected: [Double]
}

final class PCATests: XCTestCase {
    func testMatchesScikitLearnOnOneAndThreeRanks() throws {
        let f = try Fixture.load("pca", as: PCAFixture.self)
        for ranks in [1, 3] {
            let out = try LocalGroup.run(size: ranks) { comm -> (PCAModel, [Float]) in
                let rows = LocalRows.share(of: f.x.map { Float($0) }, dims: f.d, comm: comm)
                let model = try PCA.fit(rows, components: f.k, comm: comm)
                return (model, model.transform(rows).values)
            }
            let model = out[0].0
            for other in out { XCTAssertEqual(other.0, model, "every rank holds the same model") }
            assertNear(model.mean, f.mean, rel: 1e-12, "mean")
            assertNear(model.explainedVariance, f.explained_variance, rel: 1e-9, "explained variance")
            assertNear(model.explainedVarianceRatio, f.explained_variance_ratio, rel: 1e-9, "variance ratio")
            assertNear(model.components, f.components, rel: 1e-7, abs: 1e-9, "components (sign: largest entry positive)")
            assertNear(out.flatMap { $0.1 }.map { Double($0) }, f.projected, rel: 1e-5, abs: 1e-5, "projection")
            XCTAssertEqual(model.sampleCount, f.n)
        }
    }

    func testComponentsAreOrthonormalAndSignConvention() throws {
        var g = RandomStream(seed: 5, key: RandomKey(.test))
        let (n, d, k) = (300, 9, 5)
        let x = (0..<(n * d)).map { i in Float(g.normal() * Double(1 + i % d)) }
        let model = try PCA.fit(LocalRows(values: x, dims: d, firstRow: 0), components: k,
                                comm: SingleProcessCommunicator())
        for a in 0..<k {
            let row = model.components[(a * d)..<(a * d + d)]
            let largest = row.max { abs($0) < abs($1) }!
            XCTAssertGreaterThan(largest, 0, "largest-magnitude entry positive")
            for b in 0..<k {
                let dot = (0..<d).reduce(0.0) { $0 + model.components[a * d + $1] * model.components[b * d + $1] }
                XCTAssertEqual(dot, a == b ? 1 : 0, accuracy: 1e-12)
            }
        }
        XCTAssertEqual(model.explainedVariance, model.explainedVariance.sorted(by: >))
        // Projected rows have the explained variances as their variances (divisor N - 1) and mean zero.
        let p = model.transformDouble(LocalRows(values: x, dims: d, firstRow: 0)).values
        for c in 0..<k {
            let col = (0..<n).map { p[$0 * k + c] }
            let mean = col.reduce(0, +) / Double(n)
            let variance = col.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
            XCTAssertEqual(mean, 0, accuracy: 1e-9)
            XCTAssertEqual(variance, model.explainedVariance[c], accuracy: 1e-9 * model.explainedVariance[c])
        }
    }

    func testModelRoundTripsThroughJSON() throws {
        let x: [Float] = [1, 2, 3, 2, 4, 7, 0, 1, -1, 5, 5, 5]
        let model = try PCA.fit(LocalRows(values: x, dims: 3, firstRow: 0), components: 2,
                                comm: SingleProcessCommunicator())
        let decoded = try JSONDecoder().decode(PCAModel.self, from: JSONEncoder().encode(model))
        XCTAssertEqual(decoded, model)
    }

    func testRejectsBadInput() {
        let comm = SingleProcessCommunicator()
        XCTAssertThrowsError(try PCA.fit(LocalRows(values: [1, 2, 3] as [Float], dims: 3, firstRow: 0), components: 1, comm: comm))
        XCTAssertThrowsError(try PCA.fit(LocalRows(values: [1, 2, 3, 4] as [Float], dims: 2, firstRow: 0), components: 3, comm: comm))
        XCTAssertThrowsError(try PCA.fit(LocalRows(values: [1, .nan, 3, 4] as [Float], dims: 2, firstRow: 0), components: 1, comm: comm))
    }
}
