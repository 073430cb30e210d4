// Fixtures: python3 tools/make_stats_fixtures.py  (scikit-learn GaussianMixture, covariance_type="full")
import XCTest
import DiscaCore
@testable import DiscaStats

private struct MixtureFixture: Decodable {
    struct Case: Decodable {
        let name: String
        let n: Int, d: Int, k: Int
        let tol: Double
        let max_iter: Int
        let reg_covar: Double
        let x: [Double]
        let starts: [[Double]]
        let weights: [Double], means: [Double], covariances: [Double], precisions_cholesky: [Double]
        let lower_bound: Double
        let n_iter: Int
        let converged: Bool
        let labels: [Int]
        let total_log_likelihood: Double
        let bic: Double
        let posterior_first_rows: [Double]
    }
    let cases: [Case]
}

final class GaussianMixtureFixtureTests: XCTestCase {
    /// Rows of each start normalised as the fixture script does (sum left to right, then divide).
    private func normalisedStarts(_ c: MixtureFixture.Case, rows: Range<Int>) -> [[Double]] {
        c.starts.map { w in
            var out: [Double] = []
            for r in rows {
                let row = Array(w[(r * c.k)..<(r * c.k + c.k)])
                var sum = 0.0
                for v in row { sum += v }
                out += row.map { $0 / sum }
            }
            return out
        }
    }

    private func check(_ c: MixtureFixture.Case, ranks: Int) throws {
        let results = try LocalGroup.run(size: ranks) { comm -> (GaussianMixtureFit, MixtureAssignment, [Int32]) in
            let rows = LocalRows.share(of: c.x.map { Float($0) }, dims: c.d, comm: comm)
            let data = try MixtureData(rows, comm: comm)
            let options = GaussianMixtureOptions(regCovar: c.reg_covar, tol: c.tol, maxIter: c.max_iter, threads: 2)
            let fit = try GaussianMixture.fit(data, components: c.k,
                                              initialization: .responsibilities(self.normalisedStarts(c, rows: rows.globalRows)),
                                              options: options, comm: comm)
            let assignment = try GaussianMixture.assign(data, fit: fit, options: options, comm: comm)
            return (fit, assignment, assignment.labels)
        }
        let (fit, assignment, _) = results[0]
        let labels = results.flatMap { $0.2 }.map { Int($0) }
        let m = fit.model
        let what = "\(c.name) on \(ranks) rank(s)"
        XCTAssertEqual(fit.iterations, c.n_iter, "\(what): EM steps")
        XCTAssertEqual(fit.converged, c.converged, "\(what): converged")
        assertNear(m.weights, c.weights, rel: 1e-6, abs: 1e-15, "\(what): weights")
        // Relative 1e-6 per element, with an absolute floor of 1e-8 of the array's largest entry for entries that
        // are zero in exact arithmetic (the raw-moment sums leave rounding residue where scikit-learn subtracts).
        func floor(_ v: [Double]) -> Double { 1e-8 * (v.map { Swift.abs($0) }.max() ?? 0) }
        assertNear(m.means, c.means, rel: 1e-6, abs: floor(c.means), "\(what): means")
        assertNear(m.covariances, c.covariances, rel: 1e-6, abs: floor(c.covariances), "\(what): covariances")
        assertNear(m.precisionCholesky, c.precisions_cholesky, rel: 1e-6, abs: floor(c.precisions_cholesky),
                   "\(what): precision Cholesky")
        assertNear(fit.lowerBound, c.lower_bound, rel: 1e-6, "\(what): lower bound")
        assertNear(assignment.totalLogLikelihood, c.total_log_likelihood, rel: 1e-6, "\(what): log-likelihood")
        let bic = GaussianMixtureModel.bic(totalLogLikelihood: assignment.totalLogLikelihood, components: c.k,
                                           dims: c.d, sampleCount: c.n)
        assertNear(bic, c.bic, rel: 1e-6, "\(what): BIC")
        XCTAssertEqual(labels, c.labels, "\(what): labels")
        // Local prediction with the fitted model (no communication) agrees too.
        let firstRows = LocalRows(values: c.x[0..<(5 * c.d)].map { Float($0) }, dims: c.d, firstRow: 0)
        let predicted = m.predict(firstRows)
        assertNear(predicted.posterior.map { Double($0) }, c.posterior_first_rows, rel: 1e-5, abs: 1e-6,
                    "\(what): posteriors")
        XCTAssertTrue(m.weights.allSatisfy { $0.isFinite } && m.covariances.allSatisfy { $0.isFinite })
    }

    func testMatchesScikitLearnOnOneRank() throws {
        let fixture = try Fixture.load("mixture", as: MixtureFixture.self)
        XCTAssertEqual(fixture.cases.count, 7)
        for c in fixture.cases { try check(c, ranks: 1) }
    }

    func testMatchesScikitLearnOnThreeRanks() throws {
        let fixture = try Fixture.load("mixture", as: MixtureFixture.self)
        for c in fixture.cases where ["overlap4", "collapse", "empty"].contains(c.name) { try check(c, ranks: 3) }
    }

    func testBICParameterCount() {
        // p = K d + K d (d + 1) / 2 + K - 1; d = 16: 16 + 136 per component.
        XCTAssertEqual(GaussianMixtureModel.parameterCount(components: 5, dims: 16), 5 * 16 + 5 * 136 + 4)
        XCTAssertEqual(GaussianMixtureModel.bic(totalLogLikelihood: -100, components: 1, dims: 1, sampleCount: 10),
                       200 + 2 * log(10.0), accuracy: 1e-12)
    }
}
