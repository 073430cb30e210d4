import ArgumentParser
import DiscaCore

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: the network's throughput against sgemm, the mixture step.",
        subcommands: [BenchNetworkCommand.self, BenchMixtureCommand.self])
}

struct BenchNetworkCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Subtomograms per second and GFLOP/s for feature extraction and training, beside a large sgemm.")

    @Option(help: "Configuration file (TOML) giving the network and batch size.") var config: String?
    @Flag(help: "Print one JSON object.") var json = false

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("bench network", issue: "issue 4")
    }
}

struct BenchMixtureCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "mixture",
        abstract: "Fit Gaussian mixtures over candidate K on synthetic 16-D points.")

    @Option(help: "Number of points.") var n: Int = 200_000
    @Flag(help: "Print one JSON object.") var json = false

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("bench mixture", issue: "issue 5")
    }
}
