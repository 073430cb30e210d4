import DiscaCore
import DiscaIO
import DiscaNetwork
import DiscaStats
import Foundation

extension Trainer {
    struct StatisticsOutcome {
        let converged: Bool
        /// No training follows (converged or last iteration).
        let finished: Bool
    }

    func progress(_ label: String, total: Int) -> ProgressDisplay {
        ProgressDisplay(label: label, total: total, intervalSeconds: config.report.progressSeconds,
                        output: comm.rank == 0 ? .standardOutput : .silent)
    }

    /// Features (inference mode) of this rank's rows, streamed from the input in blocks of `input.read_rows`.
    /// Every rank runs the same number of blocks (the last ones may be empty) and the ranks agree on a stop request
    /// after each block, so a signal during a long feature pass is honoured within one block.
    func extractFeatures(rows: Range<Int>) throws -> [Float] {
        let f = model.architecture.featureSize, v = source.voxelsPerSubtomogram
        let block = config.input.readRows
        let largest = RowPartition(count: source.count, parts: comm.size).range(of: 0).count   // rank 0 has the most
        let blocks = (largest + block - 1) / block
        var out = [Float]()
        out.reserveCapacity(rows.count * f)
        var buffer = [Float](repeating: 0, count: block * v)
        let shown = progress("iteration \(state.iteration) features (rank 0 rows)", total: rows.count)
        for b in 0..<blocks {
            try stopPoint()
            let start = min(rows.lowerBound + b * block, rows.upperBound), end = min(start + block, rows.upperBound)
            if start == end { continue }
            try buffer.withUnsafeMutableBufferPointer { buf in
                try source.read(rows: start..<end, into: UnsafeMutableBufferPointer(rebasing: buf[0..<((end - start) * v)]))
                out += model.extractFeatures(UnsafePointer(buf.baseAddress!), count: end - start)
            }
            shown.update(done: end - rows.lowerBound)
        }
        shown.finish()
        return out
    }

    /// Features -> PCA -> mixtures over candidate K -> matched labels -> DDBI -> best-so-far -> (new head).
    func statisticsPhase() throws -> StatisticsOutcome {
        let i = state.iteration
        let n = source.count
        let mine = comm.rows(of: n)
        let features = try extractFeatures(rows: mine)
        let featureRows = LocalRows(values: features, dims: model.architecture.featureSize, firstRow: mine.lowerBound)
        let options = mixtureOptions(candidates: try config.candidateKs(),
                                     seed: RandomStream.derivedSeed(seed, RandomKey(.mixtureSelection, iteration: i)),
                                     posterior: true)
        let previous: [Int32]? = state.k > 0 ? Array(reported[mine]) : nil
        let p = config.mixture.pcaComponents
        let dims = config.mixture.capPCAByN == 1 && p > 0
            ? dimensionsSupported(rows: n, largestK: try config.candidateKs().last ?? 2, atMost: p) : p
        let clustering = try FeatureClustering.run(
            features: featureRows, pcaComponents: dims, options: options,
            previous: previous.map { (labels: $0, k: state.k) }, warmStart: previous != nil, comm: comm)
        let selection = clustering.selection
        let projected = clustering.clustered
        let newLabels = clustering.labels
        let k = clustering.k
        let ddbi = clustering.ddbi
        let changed: Double? = try previous.map { try LabelMatching.changedFraction(newLabels, $0, comm: comm) }
        var sizes = [Int64](repeating: 0, count: k)
        for l in newLabels { sizes[Int(l)] += 1 }
        try comm.allreduce(&sizes, .sum)

        let previousK = state.k
        state.k = k
        if ddbi < state.bestDDBI {
            state.bestDDBI = ddbi
            state.bestIteration = i
            let outputs = LocalOutputs(count: n, rows: mine, features: features,
                                       featureSize: model.architecture.featureSize, featuresPCA: projected.values,
                                       pcaSize: projected.dims, labels: newLabels, posterior: clustering.posterior,
                                       classes: k)
            try writeResultFile(runDirectory.resultPath, outputs: outputs,
                                attributes: [("K", .int(k)), ("best_iteration", .int(i)), ("iterations", .int(i + 1)),
                                             ("ddbi", .double(ddbi)), ("bic", .double(selection.bic))], comm: comm)
            try writeModel(pca: clustering.pca, mixture: clustering.model)
        } else {
            try comm.collectively {
                guard comm.rank == 0, FileManager.default.fileExists(atPath: runDirectory.resultPath) else { return }
                let f = try HDF5File.open(runDirectory.resultPath, writable: true)
                try f.setAttribute("iterations", .int(i + 1))
                try f.close()
            }
        }
        try writeSamples(projected: projected, labels: newLabels, k: k, bic: selection.bic, ddbi: ddbi)

        let converged = previous != nil && i >= max(1, config.loop.minIterations, config.loop.exploreIterations)
            && previousK == k
            && (1 - (changed ?? 1)) > config.loop.convergenceFraction
        let finished = converged || i == config.loop.maxIterations - 1
        let learningRate = config.training.learningRate * pow(config.training.learningRateDecay, Double(state.epochsDone))
        let smoothing = config.training.smoothing * pow(config.training.smoothingDecay, Double(state.epochsDone + 1))
        state.pendingHistory = try jsonLine([
            "iteration": i, "K": k, "bic": selection.bic, "ddbi": ddbi,
            "changed_fraction": changed.map { $0 as Any } ?? NSNull(),
            "cluster_sizes": sizes.map { Int($0) }, "learning_rate": learningRate, "smoothing": smoothing,
            "used_warm_start": selection.usedWarmStart,
            "candidate_k": selection.candidates.map { $0.components },
            "candidate_bic": selection.candidates.map { $0.bic },
        ])
        let changedText = changed.map { String(format: "%.4f", $0) } ?? "-"
        // A choice at the edge of the candidates may mean the best K lies outside them.
        let fitted = selection.candidates.map { $0.components }
        let edge = selection.fittedComponents == fitted.max() && fitted.count > 1
            ? " (at the largest candidate K: more clusters may be there)"
            : selection.fittedComponents == fitted.min() && fitted.count > 1 ? " (at the smallest candidate K)" : ""
        say(String(format: "iteration %d: K %d%@, BIC %.1f, DDBI %.4f%@, changed %@, sizes %@", i, k, edge,
                   selection.bic, ddbi, state.bestIteration == i ? " (best)" : "", changedText,
                   sizes.map { String($0) }.joined(separator: "/")))
        reported = try gatherLabels(newLabels, total: n, comm: comm)
        if converged { say("converged: more than \(config.loop.convergenceFraction * 100)% of labels unchanged") }
        if finished {
            labels = reported
            return StatisticsOutcome(converged: converged, finished: true)
        }
        let previousTrainK = state.trainK
        let training = try trainingLabels(data: clustering.data, reportedLocal: newLabels, k: k, rows: mine)
        state.trainK = training.k
        labels = try gatherLabels(training.local, total: n, comm: comm)
        if previousTrainK != training.k {
            try model.replaceHead(classes: training.k, seed: seed, generation: i + 1)
            try fitHead(features: features, localLabels: training.local, k: training.k, smoothing: smoothing)
        }
        state.training = true
        state.step = 0
        return StatisticsOutcome(converged: false, finished: false)
    }

    /// The labels the network trains on this iteration: the reported (BIC) labels, or while exploring
    /// (iteration < loop.explore_iterations) those of an over-clustered mixture, matched to the previous training
    /// labels when their K is unchanged so the head keeps its meaning.
    func trainingLabels(data: MixtureData, reportedLocal: [Int32], k: Int, rows mine: Range<Int>) throws
        -> (local: [Int32], k: Int) {
        let i = state.iteration
        let n = source.count
        let largest = try config.candidateKs().last ?? 2
        let exploreK = config.loop.exploreK > 0 ? config.loop.exploreK : min(largest, max(2, n / 25))
        if i == 0 && config.loop.initialLabels == .profiles {
            return try profileLabels(rows: mine, candidates: config.loop.exploreIterations > 0 ? [exploreK] : try config.candidateKs())
        }
        guard i < config.loop.exploreIterations, exploreK > k else { return (reportedLocal, k) }
        var options = mixtureOptions(candidates: [exploreK], seed: RandomStream.derivedSeed(seed, RandomKey(.mixtureExploration, iteration: i)),
                                     posterior: false)
        options.starts = 1
        options.tolDeNovoOnly = config.mixture.tolerance
        let explore = try MixtureSelection.run(data, options: options, current: nil, comm: comm)
        var local = explore.labels
        if explore.k == state.trainK, labels.count == n {
            let previous = Array(labels[mine])
            let map = try LabelMatching.mapping(new: local, previous: previous, k: explore.k, comm: comm)
            var none: [Float] = []
            LabelMatching.apply(map, labels: &local, posterior: &none, k: explore.k)
        }
        say("  exploring: training on an over-clustered mixture of \(explore.k) components")
        return (local, explore.k)
    }

    /// The first training labels from rotation-invariant profiles (see `ProfileFeatures`): profiles of this rank's
    /// rows, standardised with global means and deviations, then the same statistical step as the network's features.
    func profileLabels(rows mine: Range<Int>, candidates: [Int]) throws -> (local: [Int32], k: Int) {
        let profiles = ProfileFeatures(box: source.boxVoxels)
        let w = profiles.width
        var values = [Float]()
        try source.forEachBlock(rows: mine, blockRows: config.input.readRows) { block, x in
            values += profiles.compute(x, count: block.count)
        }
        var sums = [Double](repeating: 0, count: 2 * w)
        for r in 0..<mine.count { for j in 0..<w { let x = Double(values[r * w + j]); sums[j] += x; sums[w + j] += x * x } }
        try comm.allreduce(&sums, .sum)
        let n = Double(source.count)
        for j in 0..<w {
            let mean = sums[j] / n, sd = max((sums[w + j] / n - mean * mean).squareRoot(), 1e-12)
            for r in 0..<mine.count { values[r * w + j] = Float((Double(values[r * w + j]) - mean) / sd) }
        }
        let options = mixtureOptions(candidates: candidates, seed: RandomStream.derivedSeed(seed, RandomKey(.profileMixture)),
                                     posterior: false)
        let dims = dimensionsSupported(rows: source.count, largestK: candidates.last ?? 2,
                                       atMost: min(max(config.mixture.pcaComponents, 2), w))
        let clustering = try FeatureClustering.run(
            features: LocalRows(values: values, dims: w, firstRow: mine.lowerBound),
            pcaComponents: dims, options: options, comm: comm)
        say("  first training labels from rotation-invariant profiles (\(dims) PCA dimensions): K \(clustering.k)")
        return (clustering.labels, clustering.k)
    }

    /// The mixture settings of the config (`mixture.*`) for these candidates and seed.
    func mixtureOptions(candidates: [Int], seed: UInt64, posterior: Bool) -> MixtureSelectionOptions {
        MixtureSelectionOptions(candidates: candidates, starts: config.mixture.nInit, regCovar: config.mixture.regCovar,
                                maxIter: config.mixture.maxSteps, tolWithWarmStart: config.mixture.tolerance,
                                tolDeNovoOnly: config.mixture.toleranceDeNovo, seed: seed, threads: 0,
                                posterior: posterior,
                                startKind: config.mixture.starts)
    }

    /// The most PCA dimensions d (2 <= d <= atMost) for which a full-covariance mixture of the largest candidate K
    /// has no more free parameters than there are rows (`GaussianMixtureModel.parameterCount` <= N, i.e.
    /// K (d + d(d+1)/2 + 1) - 1 <= N). Past that, BIC's penalty swamps the
    /// likelihood and selects too few clusters (at N = 500, 16 dimensions and K up to 20, it picks 2 or 3 on
    /// profiles whose 5-dimensional projection it splits into the 5 true classes).
    func dimensionsSupported(rows n: Int, largestK k: Int, atMost limit: Int) -> Int {
        var d = 2
        while d < limit && GaussianMixtureModel.parameterCount(components: k, dims: d + 1) <= n { d += 1 }
        return d
    }

    /// A fresh head fitted alone on the fixed features with the current labels (docs/algorithm.md section 3).
    func fitHead(features: [Float], localLabels: [Int32], k: Int, smoothing: Double) throws {
        let n = source.count, f = model.architecture.featureSize
        let mine = comm.rows(of: n)
        let targets = smoothedTargets(labels: localLabels, classes: k, alpha: smoothing)
        let batch = config.training.batchSize
        var lastLoss: Float = 0
        for epoch in 0..<config.training.headEpochs {
            var stream = RandomStream(seed: seed, key: RandomKey(.headShuffle, iteration: state.iteration, epoch: epoch))
            let order = stream.permutation(n)
            var start = 0
            while start < n {
                let end = min(start + batch, n)
                var x = [Float](), y = [Float]()
                for r in order[start..<end] where mine.contains(r) {
                    let local = r - mine.lowerBound
                    x += features[(local * f)..<((local + 1) * f)]
                    y += targets[(local * k)..<((local + 1) * k)]
                }
                lastLoss = try model.head.trainStep(features: x, targets: y,
                                                    learningRate: Float(config.training.headLearningRate), comm: comm)
                start = end
            }
        }
        say(String(format: "  new head for K %d fitted on fixed features (%d epochs, last loss %.4f)", k,
                   config.training.headEpochs, lastLoss))
    }

    /// model.h5: everything `predict` needs (network, head, PCA, mixture), written whole then renamed.
    func writeModel(pca: PCAModel?, mixture: GaussianMixtureModel) throws {
        let tmp = runDirectory.modelPath + ".tmp"
        let f = try HDF5File.create(tmp, comm: comm)
        try model.save(to: f, group: "/network", comm: comm)
        if let pca { try ModelFile.writePCA(pca, to: f, comm: comm) }
        try ModelFile.writeMixture(mixture, to: f, comm: comm)
        try f.setAttribute("iteration", .int(state.iteration))
        try f.setAttribute("dataset", .string(config.input.dataset))
        try f.setAttribute("version", .string(options.version))
        try f.close()
        try comm.barrier()
        try comm.collectively {
            if comm.rank == 0 { try syncFile(tmp); try renameFile(tmp, to: runDirectory.modelPath) }
        }
    }
}
