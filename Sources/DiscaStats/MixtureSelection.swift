import DiscaCore

/// The model-selection rule of docs/algorithm.md section 4 (steps 2-5), as plain settings.
public struct MixtureSelectionOptions: Codable, Sendable, Equatable {
    /// Candidate numbers of components (paper: 2...20; the reference script: [5, 10, 20]).
    public var candidates: [Int] = Array(2...20)
    /// Random starts per de-novo fit (n_init); the best lower bound is kept.
    public var starts: Int = 5
    /// How those starts begin.
    public var startKind: MixtureStartKind = .randomResponsibilities
    public var regCovar: Double = 1e-5
    public var maxIter: Int = 100
    /// Tolerance of both fits of the candidate equal to the current K when a warm start is made.
    public var tolWithWarmStart: Double = 1e-3
    /// Tolerance of the candidates fitted de novo only.
    public var tolDeNovoOnly: Double = 1e-4
    /// Seed of the random starts; candidate K uses `MixtureSelection.seed(for: K, from: seed)`.
    public var seed: UInt64 = 0
    /// Threads per rank (0: `BLAS.threads`).
    public var threads: Int = 0
    /// Whether to return the posteriors of the chosen mixture (one more pass).
    public var posterior: Bool = true

    public init(candidates: [Int] = Array(2...20), starts: Int = 5, regCovar: Double = 1e-5, maxIter: Int = 100,
                tolWithWarmStart: Double = 1e-3, tolDeNovoOnly: Double = 1e-4, seed: UInt64 = 0, threads: Int = 0,
                posterior: Bool = true, startKind: MixtureStartKind = .randomResponsibilities) {
        self.startKind = startKind
        self.candidates = candidates
        self.starts = starts
        self.regCovar = regCovar
        self.maxIter = maxIter
        self.tolWithWarmStart = tolWithWarmStart
        self.tolDeNovoOnly = tolDeNovoOnly
        self.seed = seed
        self.threads = threads
        self.posterior = posterior
    }
}

extension MixtureSelectionOptions {
    /// How candidate K's de-novo starts begin: `starts` starts of `startKind`, seeded by
    /// `MixtureSelection.seed(for: K, from: seed)`.
    public func initialization(for k: Int) -> MixtureInitialization {
        let candidateSeed = MixtureSelection.seed(for: k, from: seed)
        return startKind == .kMeansPlusPlus ? .kMeansPlusPlus(seed: candidateSeed, starts: starts)
            : .random(seed: candidateSeed, starts: starts)
    }
}

/// What was fitted for one candidate K.
public struct MixtureCandidate: Codable, Sendable, Equatable {
    public let components: Int
    /// BIC of the kept fit (the lower of de novo and warm).
    public let bic: Double
    public let totalLogLikelihood: Double
    public let lowerBound: Double
    public let iterations: Int
    public let converged: Bool
    /// BIC of the de-novo fit, and of the warm start when one was made.
    public let deNovoBIC: Double
    public let warmBIC: Double?
    /// Whether the kept fit is the warm start.
    public let keptWarmStart: Bool
    /// EM steps over every start of both fits.
    public let totalIterations: Int
}

/// The chosen mixture: labels renumbered 0..<k after dropping empty clusters.
public struct MixtureSelection: Sendable {
    /// Non-empty clusters (the new K).
    public let k: Int
    /// The candidate K whose fit was chosen (k <= fittedComponents).
    public let fittedComponents: Int
    /// (localCount) labels in 0..<k.
    public let labels: [Int32]
    /// (localCount, k) posteriors renormalised over the kept components; empty unless asked for.
    public let posterior: [Float]
    /// The chosen mixture restricted to the kept components (in the input frame), for `predict`.
    public let model: GaussianMixtureModel
    /// BIC and log-likelihood of the chosen fit (all fitted components).
    public let bic: Double
    public let totalLogLikelihood: Double
    /// One entry per candidate, in the order of the options.
    public let candidates: [MixtureCandidate]
    /// Whether the chosen fit is the warm start.
    public let usedWarmStart: Bool

    /// The seed of candidate K's random starts: distinct candidates get unrelated streams.
    public static func seed(for k: Int, from seed: UInt64) -> UInt64 {
        seed ^ (UInt64(k) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Collective. For every candidate K: a de-novo fit (`starts` random starts, best lower bound); when `current`
    /// is given and K equals its K, also a warm start from its labels, keeping whichever has the lower BIC (the warm
    /// one on ties). The candidate of lowest BIC wins (the first on ties); hard labels are its argmax posteriors with
    /// empty clusters dropped and the rest renumbered in order. `current` should be passed from iteration 2 on.
    /// The warm start is scikit-learn's initialisation from one-hot responsibilities of the labels (weights,
    /// means, covariances with divisor n_k, + reg_covar); the reference code passes the same weights and means with
    /// precisions from np.cov (divisor n_k - 1) instead, a difference of one EM step's worth at most.
    public static func run(_ data: MixtureData, options: MixtureSelectionOptions,
                           current: (labels: [Int32], k: Int)? = nil, comm: Communicator) throws -> MixtureSelection {
        let valid = options.candidates.filter { $0 >= 1 && $0 <= data.globalCount }
        guard !valid.isEmpty else {
            throw CollectiveError(.badInput("no mixture candidate in \(options.candidates) fits \(data.globalCount) rows"))
        }
        // Every candidate's de-novo fit (problem i for candidate i) and then the warm start, fitted in lockstep and
        // scored in one pass.
        var problems: [MixtureProblem] = []
        var warmStarts: [MixtureProblem] = []
        var warmProblem: [Int: Int] = [:]   // candidate index -> index of its warm-start problem
        for (index, k) in valid.enumerated() {
            let warmStart = current.flatMap { $0.k == k ? $0.labels : nil }
            let tol = warmStart != nil ? options.tolWithWarmStart : options.tolDeNovoOnly
            problems.append(MixtureProblem(components: k, initialization: options.initialization(for: k), tol: tol))
            if let labels = warmStart {
                warmProblem[index] = valid.count + warmStarts.count
                warmStarts.append(MixtureProblem(components: k, initialization: .labels(labels), tol: tol))
            }
        }
        problems += warmStarts
        let fitOptions = GaussianMixtureOptions(regCovar: options.regCovar, maxIter: options.maxIter,
                                                threads: options.threads)
        let fits = try GaussianMixture.fit(data, problems: problems, options: fitOptions, comm: comm)
        let totals = try GaussianMixture.totalLogLikelihoods(data, fits: fits, options: fitOptions, comm: comm)
        var summaries: [MixtureCandidate] = []
        var best: (fit: GaussianMixtureFit, total: Double, bic: Double, warm: Bool)?
        for (index, k) in valid.enumerated() {
            let deNovo = fits[index]
            let deNovoBIC = bicOf(totals[index], k: k, data: data)
            var kept = (fit: deNovo, total: totals[index], bic: deNovoBIC, warm: false)
            var warmBIC: Double?
            var steps = deNovo.totalIterations
            if let w = warmProblem[index] {
                let b = bicOf(totals[w], k: k, data: data)
                warmBIC = b
                steps += fits[w].totalIterations
                if b <= deNovoBIC { kept = (fits[w], totals[w], b, true) }
            }
            summaries.append(MixtureCandidate(components: k, bic: kept.bic, totalLogLikelihood: kept.total,
                                              lowerBound: kept.fit.lowerBound, iterations: kept.fit.iterations,
                                              converged: kept.fit.converged, deNovoBIC: deNovoBIC, warmBIC: warmBIC,
                                              keptWarmStart: kept.warm, totalIterations: steps))
            if best == nil || kept.bic < best!.bic { best = kept }
        }
        let chosen = best!
        let k = chosen.fit.model.components
        let assignment = try GaussianMixture.assign(data, fit: chosen.fit, posterior: options.posterior,
                                                    options: GaussianMixtureOptions(threads: options.threads),
                                                    comm: comm)
        var posterior = assignment.posterior
        // Drop empty clusters (global counts), renumber the rest in order.
        var counts = [Int64](repeating: 0, count: k)
        for l in assignment.labels { counts[Int(l)] += 1 }
        try comm.allreduce(&counts, .sum)
        let keep = (0..<k).filter { counts[$0] > 0 }
        var renumber = [Int32](repeating: -1, count: k)
        for (new, old) in keep.enumerated() { renumber[old] = Int32(new) }
        let labels = assignment.labels.map { renumber[Int($0)] }
        if keep.count < k && !posterior.isEmpty {
            posterior = dropColumns(posterior, keep: keep, k: k)
        }
        return MixtureSelection(k: keep.count, fittedComponents: k, labels: labels, posterior: posterior,
                                model: chosen.fit.model.selecting(keep), bic: chosen.bic,
                                totalLogLikelihood: chosen.total, candidates: summaries,
                                usedWarmStart: chosen.warm)
    }

    static func bicOf(_ totalLogLikelihood: Double, k: Int, data: MixtureData) -> Double {
        GaussianMixtureModel.bic(totalLogLikelihood: totalLogLikelihood, components: k, dims: data.dims,
                                 sampleCount: data.globalCount)
    }

    /// Keeps the columns `keep` of (rows, k) posteriors and renormalises each row to sum to 1.
    static func dropColumns(_ p: [Float], keep: [Int], k: Int) -> [Float] {
        let rows = p.count / k, m = keep.count
        var out = [Float](repeating: 0, count: rows * m)
        for r in 0..<rows {
            var sum: Float = 0
            for (j, c) in keep.enumerated() { out[r * m + j] = p[r * k + c]; sum += p[r * k + c] }
            if sum > 0 { for j in 0..<m { out[r * m + j] /= sum } } else { for j in 0..<m { out[r * m + j] = 1 / Float(m) } }
        }
        return out
    }
}
