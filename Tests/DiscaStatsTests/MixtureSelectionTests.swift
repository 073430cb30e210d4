import XCTest
import DiscaCore
@testable import DiscaStats

final class MixtureSelectionTests: XCTestCase {
    private func checkRecovery(trueK: Int, options: MixtureSelectionOptions, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let comm = SingleProcessCommunicator()
        let (x, truth) = makeBlobs(classes: trueK, perClass: 120, dims: 4, spread: 10, seed: UInt64(trueK * 10 + 1))
        let data = try MixtureData(LocalRows(values: x, dims: 4, firstRow: 0), comm: comm)
        let s = try MixtureSelection.run(data, options: options, comm: comm)
        XCTAssertEqual(s.k, trueK, "BICs \(s.candidates.map { ($0.components, Int($0.bic)) })", file: file, line: line)
        let metrics = ClusteringMetrics.compute(predicted: s.labels.map { Int($0) }, truth: truth.map { Int($0) })
        XCTAssertEqual(metrics.accuracy ?? 0, 1, accuracy: 0.01, "true K \(trueK)", file: file, line: line)
        XCTAssertEqual(s.candidates.map { $0.components }, options.candidates)
        XCTAssertEqual(s.bic, s.candidates.map { $0.bic }.min())
        XCTAssertEqual(s.posterior.count, x.count / 4 * s.k)
    }

    /// Well separated blobs, the paper's de-novo starts (5 random-responsibility starts, tol 1e-4): BIC over
    /// candidates 1...9 recovers K = 2...6 and the labels are the classes. (Random responsibilities start every
    /// component at the global mean; with 7 or more well separated blobs they often stop near that symmetric start
    /// or keep a degenerate component, as scikit-learn's init_params="random" does on the same data.)
    func testRecoversKOfSeparatedBlobsWithPaperStarts() throws {
        for trueK in 2...6 {
            try checkRecovery(trueK: trueK, options: MixtureSelectionOptions(candidates: Array(1...9), starts: 5, seed: 7,
                                                                             posterior: true))
        }
    }

    /// The same with k-means++ starts: K = 2...8 recovered.
    func testRecoversKOfSeparatedBlobsWithKMeansPlusPlusStarts() throws {
        for trueK in 2...8 {
            try checkRecovery(trueK: trueK, options: MixtureSelectionOptions(candidates: Array(1...9), starts: 2, seed: 7,
                                                                             startKind: .kMeansPlusPlus))
        }
    }

    /// k-means++ seeding picks one row per well separated blob, the same rows on 1, 2 and 3 ranks.
    func testKMeansPlusPlusSeedsAreRankIndependent() throws {
        let (x, truth) = makeBlobs(classes: 5, perClass: 40, dims: 3, spread: 20, seed: 4)
        var reference: [Int]?
        for ranks in [1, 2, 3] {
            let seeds = try LocalGroup.run(size: ranks) { comm -> [Int] in
                let data = try MixtureData(LocalRows.share(of: x, dims: 3, comm: comm), comm: comm)
                return try KMeansPlusPlus.seeds(data, components: 5, seed: 3, start: 1, comm: comm)
            }
            for s in seeds { XCTAssertEqual(s, seeds[0]) }
            XCTAssertEqual(Set(seeds[0].map { truth[$0] }).count, 5, "one seed per blob")
            if let r = reference { XCTAssertEqual(seeds[0], r, "\(ranks) ranks") } else { reference = seeds[0] }
        }
    }

    /// The same seed gives the same labels and BIC on 1, 2 and 3 ranks (random starts keyed by global row).
    func testRankIndependence() throws {
        let (x, _) = makeBlobs(classes: 4, perClass: 150, dims: 5, spread: 2.5, seed: 99)
        let options = MixtureSelectionOptions(candidates: [2, 3, 4, 5, 6], starts: 2, seed: 123, threads: 1)
        var reference: (labels: [Int32], bic: Double, k: Int, ll: [Double])?
        for ranks in [1, 2, 3] {
            let parts = try LocalGroup.run(size: ranks) { comm -> MixtureSelection in
                let data = try MixtureData(LocalRows.share(of: x, dims: 5, comm: comm), comm: comm)
                return try MixtureSelection.run(data, options: options, comm: comm)
            }
            let labels = parts.flatMap { $0.labels }
            for p in parts { XCTAssertEqual(p.bic, parts[0].bic, "identical on every rank"); XCTAssertEqual(p.model, parts[0].model) }
            let r = (labels, parts[0].bic, parts[0].k, parts[0].candidates.map { $0.totalLogLikelihood })
            if let ref = reference {
                XCTAssertEqual(r.0, ref.labels, "\(ranks) ranks: labels")
                XCTAssertEqual(r.2, ref.k)
                assertNear(r.1, ref.bic, rel: 1e-9, "\(ranks) ranks: BIC")
                assertNear(r.3, ref.ll, rel: 1e-9, "\(ranks) ranks: log-likelihood of every candidate")
            } else {
                reference = r
            }
        }
    }

    /// More ranks than rows: a rank with no rows takes part in every collective and changes nothing.
    func testRanksWithoutRows() throws {
        let x: [Float] = [0, 0, 1, 0.2, 5, 5.5, 6, 5]   // 4 rows of 2
        let results = try [1, 6].map { ranks in
            try LocalGroup.run(size: ranks) { comm -> (Double, [Int32], Double) in
                let rows = LocalRows.share(of: x, dims: 2, comm: comm)
                let data = try MixtureData(rows, comm: comm)
                let fit = try GaussianMixture.fit(data, components: 2, initialization: .kMeansPlusPlus(seed: 1, starts: 2),
                                                  comm: comm)
                let a = try GaussianMixture.assign(data, fit: fit, comm: comm)
                let pca = try PCA.fit(rows, components: 1, comm: comm)
                let ddbi = try DDBI.compute(data, labels: a.labels, components: 2, comm: comm)
                return (a.totalLogLikelihood + pca.explainedVariance[0], a.labels, ddbi)
            }
        }
        assertNear(results[1][0].0, results[0][0].0, rel: 1e-9, "log-likelihood + PCA variance")
        XCTAssertEqual(results[1].flatMap { $0.1 }, results[0][0].1)
        assertNear(results[1][5].2, results[0][0].2, rel: 1e-9, "DDBI")
    }

    /// From iteration 2 on, the candidate equal to the current K also gets a warm start from the current labels.
    func testWarmStartIsFittedAndKeptWhenBetter() throws {
        let comm = SingleProcessCommunicator()
        let (x, truth) = makeBlobs(classes: 3, perClass: 80, dims: 4, spread: 1.8, seed: 5)
        let data = try MixtureData(LocalRows(values: x, dims: 4, firstRow: 0), comm: comm)
        var options = MixtureSelectionOptions(candidates: [2, 3, 4], starts: 1, seed: 1)
        let s = try MixtureSelection.run(data, options: options, current: (truth, 3), comm: comm)
        for c in s.candidates {
            XCTAssertEqual(c.warmBIC != nil, c.components == 3, "warm start only for the current K")
            if let w = c.warmBIC { XCTAssertEqual(c.bic, min(w, c.deNovoBIC)); XCTAssertEqual(c.keptWarmStart, w <= c.deNovoBIC) }
        }
        // With the de-novo fit crippled (one EM step), the warm start from the true labels must win.
        options.maxIter = 1
        let crippled = try MixtureSelection.run(data, options: options, current: (truth, 3), comm: comm)
        let c3 = crippled.candidates.first { $0.components == 3 }!
        XCTAssertTrue(c3.keptWarmStart, "warm \(c3.warmBIC!) vs de novo \(c3.deNovoBIC)")
    }

    /// A candidate whose fit leaves a component with no hard labels: it is dropped and labels renumbered.
    func testEmptyClustersAreDroppedAndRenumbered() throws {
        let comm = SingleProcessCommunicator()
        let (x, _) = makeBlobs(classes: 2, perClass: 50, dims: 2, spread: 20, seed: 8)
        let data = try MixtureData(LocalRows(values: x, dims: 2, firstRow: 0), comm: comm)
        // Warm start with labels that use only 0 and 2 of K = 3: component 1 is empty from the start.
        let labels = (0..<100).map { Int32($0 % 2 == 0 ? 0 : 2) }
        let fit = try GaussianMixture.fit(data, components: 3, initialization: .labels(labels), comm: comm)
        XCTAssertTrue(fit.model.weights.allSatisfy { $0.isFinite })
        XCTAssertTrue(fit.model.means.allSatisfy { $0.isFinite } && fit.model.covariances.allSatisfy { $0.isFinite })
        XCTAssertLessThan(fit.model.weights[1], 1e-12)
        let options = MixtureSelectionOptions(candidates: [3], starts: 1, maxIter: 5)
        let s = try MixtureSelection.run(data, options: options, current: (labels, 3), comm: comm)
        XCTAssertEqual(s.fittedComponents, 3)
        XCTAssertEqual(s.k, 2)
        XCTAssertEqual(Set(s.labels), [0, 1])
        XCTAssertEqual(s.model.components, 2)
        XCTAssertEqual(s.model.weights.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertTrue(s.posterior.allSatisfy { $0.isFinite })
        for r in 0..<100 { XCTAssertEqual(s.posterior[r * 2] + s.posterior[r * 2 + 1], 1, accuracy: 1e-5) }
        // The reduced model predicts the same labels.
        XCTAssertEqual(s.model.predict(LocalRows(values: x, dims: 2, firstRow: 0)).labels, s.labels)
    }

    /// Duplicated points and more components than distinct points: no NaN, no crash.
    func testCollapsingComponentsStayFinite() throws {
        let comm = SingleProcessCommunicator()
        var x: [Float] = []
        for i in 0..<60 { x += i < 40 ? [1, 2, 3] : [Float(i % 3), -5, 0.5] }   // 4 distinct points
        let data = try MixtureData(LocalRows(values: x, dims: 3, firstRow: 0), comm: comm)
        let s = try MixtureSelection.run(data, options: MixtureSelectionOptions(candidates: [2, 6, 10], starts: 2, seed: 4),
                                         comm: comm)
        XCTAssertTrue(s.bic.isFinite)
        XCTAssertTrue(s.candidates.allSatisfy { $0.bic.isFinite && $0.totalLogLikelihood.isFinite })
        XCTAssertTrue(s.posterior.allSatisfy { $0.isFinite })
        XCTAssertTrue(s.model.covariances.allSatisfy { $0.isFinite } && s.model.precisionCholesky.allSatisfy { $0.isFinite })
        XCTAssertLessThanOrEqual(s.k, 4)
    }

    func testBadInputsAreRejected() throws {
        let comm = SingleProcessCommunicator()
        let data = try MixtureData(LocalRows(values: [1, 2, 3, 4, 5, 6] as [Float], dims: 2, firstRow: 0), comm: comm)
        XCTAssertThrowsError(try GaussianMixture.fit(data, components: 4, initialization: .random(seed: 0, starts: 1), comm: comm))
        XCTAssertThrowsError(try GaussianMixture.fit(data, components: 2, initialization: .labels([0, 1, 2]), comm: comm))
        XCTAssertThrowsError(try MixtureSelection.run(data, options: MixtureSelectionOptions(candidates: [5]), comm: comm))
        XCTAssertThrowsError(try MixtureData(LocalRows(values: [1, .infinity] as [Float], dims: 1, firstRow: 0), comm: comm))
    }

    func testModelRoundTripsThroughJSON() throws {
        let comm = SingleProcessCommunicator()
        let (x, _) = makeBlobs(classes: 2, perClass: 30, dims: 3, spread: 5, seed: 1)
        let data = try MixtureData(LocalRows(values: x, dims: 3, firstRow: 0), comm: comm)
        let fit = try GaussianMixture.fit(data, components: 2, initialization: .random(seed: 1, starts: 1), comm: comm)
        let decoded = try JSONDecoder().decode(GaussianMixtureModel.self, from: JSONEncoder().encode(fit.model))
        XCTAssertEqual(decoded, fit.model)
    }
}
