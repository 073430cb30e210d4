import ArgumentParser
import DiscaCore

struct ClusterCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "The statistical step alone: PCA and Gaussian mixtures with BIC on a stored feature matrix.")

    @Option(help: "HDF5 file holding the features.") var input: String
    @Option(help: "Dataset of shape (N, P).") var dataset: String = "/features"
    @Option(help: "Output HDF5 file (/labels, /posterior; attributes K, bic, ddbi).") var output: String
    @Option(help: "PCA components (0: cluster the features as they are).") var pca: Int = 16
    @Option(help: "Candidate numbers of clusters, e.g. 2-20 or 5,10,20.") var candidates: String = "2-20"
    @Option(help: "Random seed.") var seed: Int = 0

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("cluster", issue: "issue 5")
    }
}
