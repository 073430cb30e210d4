import ArgumentParser
import DiscaCore

struct TrainCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run the DISCA loop: features, PCA, Gaussian mixtures, labels, network training; checkpointed.")

    @Option(help: "Input HDF5 file with /subtomograms (N, D, D, D) float32.") var input: String
    @Option(help: "Run directory (result.h5, model.h5, checkpoint.h5, history.jsonl).") var output: String
    @Option(help: "Configuration file (TOML); defaults apply to every key it leaves out.") var config: String?
    @Option(name: .customLong("set"), help: "Override a configuration key: section.key=value (repeatable).")
    var overrides: [String] = []
    @Flag(help: "Continue the run in the run directory from its last whole checkpoint.") var resume = false
    @Flag(help: "Replace a run directory that already holds a run.") var force = false

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("train", issue: "issue 6")
    }
}
