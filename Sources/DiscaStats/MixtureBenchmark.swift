import DiscaCore
import DiscaNumerics
import Foundation

/// What `MixtureBenchmark.run` measured (the JSON of `disca bench mixture`).
public struct MixtureBenchmarkResult: Codable, Sendable {
    public struct Candidate: Codable, Sendable {
        public let k: Int
        /// EM steps over all starts.
        public let emSteps: Int
        public let bic: Double
    }
    public let n: Int
    public let dims: Int
    public let candidates: [Int]
    public let n_init: Int
    public let tol: Double
    public let max_iter: Int
    /// Wall time of all candidates (fits and scoring), excluding data generation and preparation.
    public let seconds: Double
    /// Preparing the rows (centring).
    public let prepareSeconds: Double
    public let ranks: Int
    public let threads: Int
    public let emSteps: Int
    /// seconds / emSteps: one EM step averaged over the candidates (weighted towards large K).
    public let secondsPerEMStep: Double
    public let selectedK: Int
    public let perCandidate: [Candidate]
}

/// A reproducible benchmark of the mixture step: synthetic points from 10 full-covariance Gaussians, de-novo fits
/// (random responsibilities, `nInit` starts, tol 1e-4, reg_covar 1e-5, at most 100 EM steps; tol 0 runs exactly
/// `maxIter` steps per start, for comparing equal work) for every candidate,
/// scored by BIC, as `MixtureSelection` does. `tools/bench_mixture_sklearn.py` times scikit-learn on the same points
/// (written by `writeRaw`).
public enum MixtureBenchmark {
    static let clusters = 10

    /// This rank's share of the benchmark points (global row n depends only on (seed, n)).
    public static func data(n: Int, dims: Int, seed: UInt64 = 1, comm: Communicator) -> LocalRows<Float> {
        let rows = comm.rows(of: n)
        return LocalRows(values: generate(rows: rows, dims: dims, seed: seed), dims: dims, firstRow: rows.lowerBound)
    }

    /// Rows `rows` of the benchmark set: cluster c = n % 10, x = centre_c + A_c z, centre_c ~ N(0, 3^2),
    /// A_c = I + 0.3 G_c (G_c standard normal), z ~ N(0, I).
    static func generate(rows: Range<Int>, dims d: Int, seed: UInt64) -> [Float] {
        var centres = [Double](repeating: 0, count: clusters * d)
        var mixing = [Double](repeating: 0, count: clusters * d * d)
        for c in 0..<clusters {
            var g = RandomStream(seed: seed, key: RandomKey(.test, iteration: 1_000, item: c))
            for j in 0..<d { centres[c * d + j] = 3 * g.normal() }
            for i in 0..<d { for j in 0..<d { mixing[(c * d + i) * d + j] = (i == j ? 1 : 0) + 0.3 * g.normal() } }
        }
        var out = [Float](repeating: 0, count: rows.count * d)
        var z = [Double](repeating: 0, count: d)
        for (r, n) in rows.enumerated() {
            let c = n % clusters
            var g = RandomStream(seed: seed, key: RandomKey(.test, iteration: 1_001, item: n))
            for j in 0..<d { z[j] = g.normal() }
            for i in 0..<d {
                var v = centres[c * d + i]
                for j in 0..<d { v += mixing[(c * d + i) * d + j] * z[j] }
                out[r * d + i] = Float(v)
            }
        }
        return out
    }

    /// Writes all n points as raw little-endian float32 (n, dims), C order, for the scikit-learn script.
    public static func writeRaw(path: String, n: Int, dims: Int, seed: UInt64 = 1) throws {
        let values = generate(rows: 0..<n, dims: dims, seed: seed)
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        do { try data.write(to: URL(fileURLWithPath: path)) } catch {
            throw DiscaError.badInput("cannot write benchmark points to \(path): \(error)")
        }
    }

    /// Collective: times the candidates' fits on the points of `data(n:dims:seed:comm:)`.
    public static func run(n: Int = 200_000, dims: Int = 16, candidates: [Int] = Array(2...20), nInit: Int = 5,
                           seed: UInt64 = 1, maxIter: Int = 100, tol: Double = 1e-4, threads: Int = 0,
                           comm: Communicator) throws -> MixtureBenchmarkResult {
        let rows = data(n: n, dims: dims, seed: seed, comm: comm)
        try comm.barrier()
        let t0 = DispatchTime.now()
        let prepared = try MixtureData(rows, comm: comm)
        let t1 = DispatchTime.now()
        let options = GaussianMixtureOptions(regCovar: 1e-5, tol: tol, maxIter: maxIter, threads: threads)
        // All candidates in lockstep, as `MixtureSelection` fits them.
        let starts = MixtureSelectionOptions(candidates: candidates, starts: nInit, seed: seed,
                                             startKind: .randomResponsibilities)
        let problems = candidates.map {
            MixtureProblem(components: $0, initialization: starts.initialization(for: $0), tol: tol)
        }
        let fits = try GaussianMixture.fit(prepared, problems: problems, options: options, comm: comm)
        let totals = try GaussianMixture.totalLogLikelihoods(prepared, fits: fits, options: options, comm: comm)
        let perCandidate = zip(candidates, zip(fits, totals)).map { k, result in
            MixtureBenchmarkResult.Candidate(
                k: k, emSteps: result.0.totalIterations,
                bic: GaussianMixtureModel.bic(totalLogLikelihood: result.1, components: k, dims: dims, sampleCount: n))
        }
        try comm.barrier()
        let total = seconds(since: t1)
        let steps = perCandidate.reduce(0) { $0 + $1.emSteps }
        return MixtureBenchmarkResult(
            n: n, dims: dims, candidates: candidates, n_init: nInit, tol: tol, max_iter: maxIter, seconds: total,
            prepareSeconds: Double(t1.uptimeNanoseconds - t0.uptimeNanoseconds) / 1e9, ranks: comm.size,
            threads: options.resolvedThreads, emSteps: steps,
            secondsPerEMStep: total / Double(max(steps, 1)),
            selectedK: perCandidate.min { $0.bic < $1.bic }?.k ?? 0, perCandidate: perCandidate)
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
