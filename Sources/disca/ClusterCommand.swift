import ArgumentParser
import DiscaCore
import DiscaIO
import DiscaStats
import DiscaTraining
import Foundation

struct ClusterCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "The statistical step alone: PCA and Gaussian mixtures with BIC on a stored feature matrix.",
        discussion: """
            Fits full-covariance Gaussian mixtures for every candidate K (random starts, as the paper) and keeps the \
            lowest BIC; empty clusters are dropped. Writes /labels (int32, N), /posterior (float32, N x K), \
            /features_pca (the clustered rows) and root attributes K, bic, ddbi, candidates, candidate_bics.
            """)

    @Option(help: "HDF5 file holding the features.") var input: String
    @Option(help: "Dataset of shape (N, P).") var dataset: String = "/features"
    @Option(help: "Output HDF5 file (/labels, /posterior; attributes K, bic, ddbi).") var output: String
    @Option(help: "PCA components (0: cluster the features as they are).") var pca: Int = 16
    @Option(help: "Candidate numbers of clusters, e.g. 2-20 or 5,10,20.") var candidates: String = "2-20"
    @Option(help: "Random seed.") var seed: Int = 0
    @Option(name: .customLong("n-init"), help: "Random starts per candidate.") var nInit: Int = 5
    @Option(help: "Starts: random (random responsibilities, the paper) or k-means++.") var starts: String = "random"
    @Flag(help: "Overwrite the output file if it exists.") var force = false

    func validate() throws {
        guard pca >= 0 else { throw ValidationError("--pca must be 0 (no PCA) or a number of components") }
        guard seed >= 0 else { throw ValidationError("--seed must not be negative") }
        guard nInit >= 1 else { throw ValidationError("--n-init must be at least 1") }
        guard MixtureStartKind(rawValue: starts) != nil else {
            throw ValidationError("--starts must be 'random' or 'k-means++', not '\(starts)'")
        }
        do { _ = try parseCandidates(candidates) } catch { throw ValidationError("\(error)") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        try comm.collectively {
            if FileManager.default.fileExists(atPath: output) && !force {
                throw DiscaError.badInput("\(output) exists; pass --force to overwrite it")
            }
        }
        let file = try HDF5File.open(input, comm: comm)
        let shape = try comm.collectively { try file.requireDataset(dataset, rank: 2, floatingPoint: true, meaning: "(N, P)") }
        let (n, p) = (shape[0], shape[1])
        try comm.collectively {
            guard n >= max(2, comm.size) else {
                throw DiscaError.badInput("\(input): dataset \(dataset) has \(n) rows; needs at least 2 and one per rank")
            }
            guard pca <= p else { throw DiscaError.badInput("--pca \(pca) exceeds the \(p) columns of \(dataset)") }
        }
        let mine = comm.rows(of: n)
        let values: [Float] = try comm.collectively { try file.readRows(dataset, rows: mine) }
        try file.close()

        var options = MixtureSelectionOptions(candidates: try parseCandidates(candidates),
                                              starts: nInit, seed: UInt64(seed))
        options.startKind = MixtureStartKind(rawValue: starts)!
        let start = Date()
        let result = try FeatureClustering.run(features: LocalRows(values: values, dims: p, firstRow: mine.lowerBound),
                                               pcaComponents: pca, options: options, comm: comm)
        let seconds = Date().timeIntervalSince(start)
        for c in result.selection.candidates {
            context.say(String(format: "K %3d  BIC %.6g  log-likelihood %.6g  EM steps %d%@", c.components, c.bic,
                               c.totalLogLikelihood, c.totalIterations, c.converged ? "" : "  (not converged)"))
        }
        context.say(String(format: "chosen K %d (fitted %d)  BIC %.6g  DDBI %.4g  %.2f s", result.k,
                           result.selection.fittedComponents, result.selection.bic, result.ddbi, seconds))

        let outputs = LocalOutputs(count: n, rows: mine, features: [], featureSize: p,
                                   featuresPCA: result.clustered.values, pcaSize: result.clustered.dims,
                                   labels: result.labels, posterior: result.posterior, classes: result.k)
        try writeResultFile(output, outputs: outputs, attributes: [
            ("K", .int(result.k)), ("bic", .double(result.selection.bic)), ("ddbi", .double(result.ddbi)),
            ("candidates", .ints(result.selection.candidates.map { $0.components })),
            ("candidate_bics", .doubles(result.selection.candidates.map { $0.bic })),
            ("pca", .int(pca)), ("seed", .int(seed)),
        ], includeFeatures: false, comm: comm)
        context.say("wrote \(output)")
    }
}
