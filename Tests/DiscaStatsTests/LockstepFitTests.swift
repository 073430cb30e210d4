import XCTest
import DiscaCore
@testable import DiscaStats
import _TestSupport

/// Many mixtures fitted in lockstep (one pass over the rows per EM step for all of them) against the same mixtures
/// fitted one at a time: each mixture's arithmetic is its own, so every number must agree.
final class LockstepFitTests: XCTestCase {
    private func problems(labels: [Int32]) -> [MixtureProblem] {
        [MixtureProblem(components: 2, initialization: .random(seed: 5, starts: 2), tol: 1e-3),
         MixtureProblem(components: 5, initialization: .random(seed: 6, starts: 3), tol: 1e-4),
         MixtureProblem(components: 3, initialization: .kMeansPlusPlus(seed: 7, starts: 2), tol: 1e-2),
         MixtureProblem(components: 4, initialization: .labels(labels), tol: 1e-4),
         MixtureProblem(components: 1, initialization: .random(seed: 8, starts: 1), tol: 1e-3)]
    }

    private func assertSameFit(_ a: GaussianMixtureFit, _ b: GaussianMixtureFit, _ what: String) {
        XCTAssertEqual(a.iterations, b.iterations, what)
        XCTAssertEqual(a.totalIterations, b.totalIterations, what)
        XCTAssertEqual(a.converged, b.converged, what)
        XCTAssertEqual(a.bestStart, b.bestStart, what)
        assertClose(a.lowerBound, b.lowerBound, rtol: 1e-12, what)
        assertClose(a.model.weights, b.model.weights, atol: 1e-13, rtol: 1e-10, "\(what) weights")
        assertClose(a.model.means, b.model.means, atol: 1e-11, rtol: 1e-10, "\(what) means")
        assertClose(a.model.covariances, b.model.covariances, atol: 1e-11, rtol: 1e-10, "\(what) covariances")
    }

    func testLockstepEqualsOneAtATimeOnOneAndTwoRanks() throws {
        let (x, truth) = makeBlobs(classes: 4, perClass: 90, dims: 5, spread: 3, seed: 21)
        let labels = truth.map { Int32($0) }
        let options = GaussianMixtureOptions(maxIter: 40, threads: 2)
        for ranks in [1, 2] {
            let results = try LocalGroup.run(size: ranks) { comm -> ([GaussianMixtureFit], [GaussianMixtureFit], [Double], [Double]) in
                let rows = LocalRows.share(of: x, dims: 5, comm: comm)
                let data = try MixtureData(rows, comm: comm)
                let mine = Array(labels[rows.firstRow..<(rows.firstRow + rows.count)])
                let all = self.problems(labels: mine)
                let together = try GaussianMixture.fit(data, problems: all, options: options, comm: comm)
                var alone: [GaussianMixtureFit] = []
                var totals: [Double] = []
                for p in all {
                    var o = options
                    o.tol = p.tol
                    let f = try GaussianMixture.fit(data, components: p.components, initialization: p.initialization,
                                                    options: o, comm: comm)
                    alone.append(f)
                    totals.append(try GaussianMixture.assign(data, fit: f, comm: comm).totalLogLikelihood)
                }
                let scored = try GaussianMixture.totalLogLikelihoods(data, fits: together, comm: comm)
                return (together, alone, scored, totals)
            }
            let (together, alone, scored, totals) = results[0]
            XCTAssertEqual(together.count, 5)
            for i in 0..<5 { assertSameFit(together[i], alone[i], "problem \(i), \(ranks) ranks") }
            assertClose(scored, totals, rtol: 1e-12, "log-likelihood totals, \(ranks) ranks")
            // The problems stop at different steps, so the lockstep really ran with a shrinking set.
            XCTAssertGreaterThan(Set(together.map { $0.iterations }).count, 1)
        }
    }

    /// The random starts of several problems from one pass equal one pass per start.
    func testRandomStartStatisticsFromOnePassEqualOnePassPerStart() throws {
        let (x, _) = makeBlobs(classes: 3, perClass: 70, dims: 3, spread: 3, seed: 12)
        let comm = SingleProcessCommunicator()
        let data = try MixtureData(LocalRows(values: x, dims: 3, firstRow: 0), comm: comm)
        let problems = [MixtureProblem(components: 2, initialization: .random(seed: 4, starts: 2), tol: 0),
                        MixtureProblem(components: 3, initialization: .labels([Int32](repeating: 0, count: 210)), tol: 0),
                        MixtureProblem(components: 5, initialization: .random(seed: 9, starts: 3), tol: 0)]
        let together = try GaussianMixture.randomStartStatistics(data, problems: problems, threads: 2, comm: comm)
        XCTAssertEqual(Set(together.keys), [0, 2])
        for (index, k, seed, starts) in [(0, 2, UInt64(4), 2), (2, 5, UInt64(9), 3)] {
            XCTAssertEqual(together[index]?.count, starts)
            for start in 0..<starts {
                let alone = MixturePass.statistics(data, components: k, threads: 1) { row, resp in
                    GaussianMixture.randomResponsibilities(resp, components: k, seed: seed, start: start, row: row)
                }
                assertClose(together[index]![start], alone, atol: 1e-12, rtol: 1e-12, "problem \(index) start \(start)")
            }
        }
    }

    /// Column groups split the kernel between whole mixtures; statistics do not depend on the split.
    func testColumnGroupsDoNotChangeStatistics() throws {
        let (x, _) = makeBlobs(classes: 3, perClass: 200, dims: 4, spread: 3, seed: 5)
        let comm = SingleProcessCommunicator()
        let data = try MixtureData(LocalRows(values: x, dims: 4, firstRow: 0), comm: comm)
        let fits = try GaussianMixture.fit(data, problems: [2, 7, 3, 1, 4].map {
            MixtureProblem(components: $0, initialization: .random(seed: UInt64($0), starts: 1), tol: 1e-3)
        }, comm: comm)
        let kernel = MixtureKernel(fits.map { $0.centredModel })
        let groups = MixturePass.columnGroups(kernel, limit: 8)
        XCTAssertEqual(groups.map { $0.columns }, [0..<2, 2..<9, 9..<17])
        XCTAssertEqual(groups.map { $0.segmentIndices }, [0..<1, 1..<2, 2..<5])
        let one = MixturePass.emStep(data, kernel, threads: 1, groupColumns: 1_000)
        let split = MixturePass.emStep(data, kernel, threads: 1, groupColumns: 8)
        let narrow = MixturePass.emStep(data, kernel, threads: 3, groupColumns: 1)
        assertClose(split, one, atol: 1e-9, rtol: 1e-12, "groups of 8 columns")
        assertClose(narrow, one, atol: 1e-9, rtol: 1e-12, "one mixture per group, 3 threads")
        // Each mixture's block equals its own single-mixture pass.
        let s = AugmentedRows.width(4)
        for (g, segment) in kernel.segments.enumerated() {
            let alone = MixturePass.emStep(data, MixtureKernel(fits[g].centredModel), threads: 1)
            assertClose(Array(one[(segment.offset * s)..<(segment.range.upperBound * s)]),
                        Array(alone[0..<(segment.count * s)]), atol: 1e-9, rtol: 1e-12, "mixture \(g) statistics")
            assertClose(one[kernel.components * s + g], alone[segment.count * s], rtol: 1e-12, "mixture \(g) log-likelihood")
        }
    }
}
