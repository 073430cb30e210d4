import DiscaCore
import DiscaNumerics

/// Settings of one mixture fit (scikit-learn's `GaussianMixture` parameters of the same names).
public struct GaussianMixtureOptions: Codable, Sendable, Equatable {
    /// Added to each covariance diagonal.
    public var regCovar: Double = 1e-5
    /// A start stops when the mean log-likelihood lower bound changes by less than this between EM steps.
    public var tol: Double = 1e-3
    /// EM steps per start at most.
    public var maxIter: Int = 100
    /// Threads of one rank's passes over its rows; 0 means `BLAS.threads` (one per rank under MPI).
    public var threads: Int = 0

    public init(regCovar: Double = 1e-5, tol: Double = 1e-3, maxIter: Int = 100, threads: Int = 0) {
        self.regCovar = regCovar
        self.tol = tol
        self.maxIter = maxIter
        self.threads = threads
    }

    var resolvedThreads: Int { threads > 0 ? threads : max(1, BLAS.threads) }
}

/// How the starts of a fit begin (each start then runs EM to convergence; the best lower bound wins).
public enum MixtureInitialization: Sendable {
    /// `starts` random starts (scikit-learn's init_params="random"): row n of start i gets K uniform draws from
    /// RandomStream(seed: seed, key: RandomKey(.mixtureInit, iteration: i, item: n)), normalised to sum to 1. Keyed by the
    /// global row, so the result does not depend on the number of ranks.
    case random(seed: UInt64, starts: Int)
    /// `starts` k-means++ starts (scikit-learn's init_params="k-means++"; see `KMeansPlusPlus`): each component
    /// begins at one row chosen by k-means++ seeding. Not the paper's choice; far less prone than random
    /// responsibilities to stopping at the symmetric start when clusters are well separated.
    case kMeansPlusPlus(seed: UInt64, starts: Int)
    /// One start from hard labels of the local rows (0..<K): one-hot responsibilities (a warm start).
    case labels([Int32])
    /// One start per element, each the local rows' responsibilities, (localCount, K) row-major.
    case responsibilities([[Double]])
}

/// The outcome of a fit: the parameters of the start with the highest final lower bound.
public struct GaussianMixtureFit: Sendable {
    /// Fitted parameters in the frame of the input rows.
    public let model: GaussianMixtureModel
    /// The winning start's last lower bound (mean log-likelihood of the parameters before its last M-step,
    /// as scikit-learn's `lower_bound_`).
    public let lowerBound: Double
    /// EM steps of the winning start.
    public let iterations: Int
    /// Whether the winning start met the tolerance.
    public let converged: Bool
    /// Index of the winning start.
    public let bestStart: Int
    /// EM steps summed over all starts (the work done).
    public let totalIterations: Int
    /// The same parameters in the centred frame of the `MixtureData` (used for scoring without re-centring).
    let centredModel: GaussianMixtureModel
}

/// One mixture of a lockstep fit (`GaussianMixture.fit(_:problems:options:comm:)`): its K, how its starts begin,
/// and its tolerance.
public struct MixtureProblem: Sendable {
    public let components: Int
    public let initialization: MixtureInitialization
    public let tol: Double

    public init(components: Int, initialization: MixtureInitialization, tol: Double) {
        self.components = components
        self.initialization = initialization
        self.tol = tol
    }
}

/// Full-covariance Gaussian mixtures fitted by EM over rows spread across ranks.
///
/// Per EM step: a local E-step over this rank's rows (log densities, log-sum-exp, responsibilities; `MixtureKernel`)
/// that also accumulates the sufficient statistics, ONE allreduce of [statistics, log-likelihood sum], and the same
/// M-step on every rank (`MixtureMStep`). Semantics follow scikit-learn's `GaussianMixture.fit` exactly: the
/// initial parameters are the M-step of the initial responsibilities (weights divided by N); each step computes the
/// lower bound from its E-step and stops when |lower bound - previous| < tol; the start with the highest final lower
/// bound wins (the first on ties).
///
/// Many mixtures (every candidate K and every start of a model selection) are fitted in lockstep: each EM step
/// evaluates all mixtures still running in one pass over the rows, with their columns side by side in the same
/// matrix products, and one allreduce. Each mixture's arithmetic is its own, so the result is that of fitting them
/// one after the other; a mixture that converges drops out of the following steps.
public enum GaussianMixture {
    /// Collective. Throws `badInput` when K is not in 1...N or initial labels/responsibilities do not fit.
    public static func fit(_ data: MixtureData, components k: Int, initialization: MixtureInitialization,
                           options: GaussianMixtureOptions = GaussianMixtureOptions(),
                           comm: Communicator) throws -> GaussianMixtureFit {
        try fit(data, problems: [MixtureProblem(components: k, initialization: initialization, tol: options.tol)],
                options: options, comm: comm)[0]
    }

    /// Collective: every problem's fit (in order), all fitted in lockstep. `options.tol` is not used (each problem
    /// has its own).
    public static func fit(_ data: MixtureData, problems: [MixtureProblem],
                           options: GaussianMixtureOptions = GaussianMixtureOptions(),
                           comm: Communicator) throws -> [GaussianMixtureFit] {
        for p in problems where !(p.components >= 1 && p.components <= data.globalCount) {
            throw CollectiveError(.badInput("mixture components \(p.components) must be in 1...\(data.globalCount) (the number of rows)"))
        }
        struct Run {
            let problem: Int
            let start: Int
            var model: GaussianMixtureModel
            var bound = -Double.infinity
            var iterations = 0
            var converged = false
        }
        let threads = options.resolvedThreads, s = AugmentedRows.width(data.dims)
        var runs: [Run] = []
        let randomStarts = try randomStartStatistics(data, problems: problems, threads: threads, comm: comm)
        for (index, problem) in problems.enumerated() {
            let starts = try randomStarts[index]
                ?? initialStatistics(data, components: problem.components, initialization: problem.initialization,
                                     threads: threads, comm: comm)
            for (start, stats) in starts.enumerated() {
                let model = MixtureMStep.parameters(stats: stats, components: problem.components, dims: data.dims,
                                                    regCovar: options.regCovar, shift: data.shift,
                                                    weightsOver: data.globalCount)
                runs.append(Run(problem: index, start: start, model: model))
            }
        }
        while true {
            let active = runs.indices.filter { !runs[$0].converged && runs[$0].iterations < options.maxIter }
            if active.isEmpty { break }
            let kernel = MixtureKernel(active.map { runs[$0].model })
            var sums = MixturePass.emStep(data, kernel, threads: threads)
            try comm.allreduce(&sums, .sum)
            for (g, r) in active.enumerated() {
                let segment = kernel.segments[g], previous = runs[r].bound
                runs[r].iterations += 1
                runs[r].model = MixtureMStep.parameters(stats: Array(sums[(segment.offset * s)..<(segment.range.upperBound * s)]),
                                                        components: segment.count, dims: data.dims,
                                                        regCovar: options.regCovar, shift: data.shift)
                runs[r].bound = sums[kernel.components * s + g] / Double(data.globalCount)
                if abs(runs[r].bound - previous) < problems[runs[r].problem].tol { runs[r].converged = true }
            }
        }
        return problems.indices.map { index in
            let mine = runs.filter { $0.problem == index }
            var best = mine[0]
            for run in mine.dropFirst() where run.bound > best.bound { best = run }
            return GaussianMixtureFit(model: best.model.translated(by: data.shift), lowerBound: best.bound,
                                      iterations: best.iterations, converged: best.converged, bestStart: best.start,
                                      totalIterations: mine.reduce(0) { $0 + $1.iterations }, centredModel: best.model)
        }
    }

    /// The initial statistics of every random start of every problem with random starts (problem index -> one per
    /// start), all from one pass over the rows and one allreduce: the same numbers as a pass per start (each start's
    /// responsibilities are its own columns).
    static func randomStartStatistics(_ data: MixtureData, problems: [MixtureProblem], threads: Int,
                                      comm: Communicator) throws -> [Int: [[Double]]] {
        var columns: [(problem: Int, start: Int, k: Int, seed: UInt64, offset: Int)] = []
        var total = 0
        for (index, p) in problems.enumerated() {
            guard case .random(let seed, let starts) = p.initialization else { continue }
            guard starts >= 1 else { throw CollectiveError(.badInput("mixture starts must be at least 1, got \(starts)")) }
            for start in 0..<starts {
                columns.append((index, start, p.components, seed, total))
                total += p.components
            }
        }
        guard total > 0 else { return [:] }
        var stats = MixturePass.statistics(data, components: total, threads: threads) { row, resp in
            for c in columns {
                randomResponsibilities(resp + c.offset, components: c.k, seed: c.seed, start: c.start, row: row)
            }
        }
        try comm.allreduce(&stats, .sum)
        let s = AugmentedRows.width(data.dims)
        var out: [Int: [[Double]]] = [:]
        for c in columns {
            out[c.problem, default: []].append(Array(stats[(c.offset * s)..<((c.offset + c.k) * s)]))
        }
        return out
    }

    /// The globally reduced statistics of each start's initial responsibilities.
    static func initialStatistics(_ data: MixtureData, components k: Int, initialization: MixtureInitialization,
                                  threads: Int, comm: Communicator) throws -> [[Double]] {
        var out: [[Double]] = []
        switch initialization {
        case .random:
            preconditionFailure("random starts are initialised by randomStartStatistics")
        case .kMeansPlusPlus(let seed, let starts):
            guard starts >= 1 else { throw CollectiveError(.badInput("mixture starts must be at least 1, got \(starts)")) }
            for start in 0..<starts {
                // One-hot responsibilities at the seed rows: component c's statistics are the augmented seed row.
                let ids = try KMeansPlusPlus.seeds(data, components: k, seed: seed, start: start, comm: comm)
                let rows = try KMeansPlusPlus.fetchRows(ids, data, comm: comm)
                var stats = [Double](repeating: 0, count: k * AugmentedRows.width(data.dims))
                stats.withUnsafeMutableBufferPointer { o in
                    rows.withUnsafeBufferPointer { AugmentedRows.fill(o.baseAddress!, $0.baseAddress!, rows: k, dims: data.dims) }
                }
                out.append(stats)
            }
        case .labels(let labels):
            try comm.agree(capturingError {
                guard labels.count == data.localCount else {
                    throw DiscaError.badInput("warm start: \(labels.count) labels for \(data.localCount) rows")
                }
                if let bad = labels.first(where: { $0 < 0 || Int($0) >= k }) {
                    throw DiscaError.badInput("warm start: label \(bad) outside 0..<\(k)")
                }
            })
            var stats = labels.withUnsafeBufferPointer { l in
                let first = data.firstRow, base = l.baseAddress!
                return MixturePass.statistics(data, components: k, threads: threads) { row, resp in
                    for j in 0..<k { resp[j] = 0 }
                    resp[Int(base[row - first])] = 1
                }
            }
            try comm.allreduce(&stats, .sum)
            out.append(stats)
        case .responsibilities(let starts):
            try comm.agree(capturingError {
                guard !starts.isEmpty, starts.allSatisfy({ $0.count == data.localCount * k }) else {
                    throw DiscaError.badInput("initial responsibilities must be \(data.localCount) x \(k) per start")
                }
            })
            for resp in starts {
                var stats = resp.withUnsafeBufferPointer { r in
                    let first = data.firstRow, base = r.baseAddress!
                    return MixturePass.statistics(data, components: k, threads: threads) { row, out in
                        for j in 0..<k { out[j] = base[(row - first) * k + j] }
                    }
                }
                try comm.allreduce(&stats, .sum)
                out.append(stats)
            }
        }
        return out
    }

    /// K uniform draws of (seed, .mixtureInit, start, row), normalised to sum to 1.
    @inline(__always)
    static func randomResponsibilities(_ out: UnsafeMutablePointer<Double>, components k: Int, seed: UInt64,
                                       start: Int, row: Int) {
        var stream = RandomStream(seed: seed, key: RandomKey(.mixtureInit, iteration: start, item: row))
        var sum = 0.0
        for j in 0..<k { let u = stream.uniform(); out[j] = u; sum += u }
        for j in 0..<k { out[j] /= sum }
    }
}
