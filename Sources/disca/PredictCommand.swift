import ArgumentParser
import DiscaCore

struct PredictCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Features, posteriors and labels for new subtomograms with a trained model (no training).")

    @Option(help: "Run directory of a finished `disca train` (its model.h5).") var model: String
    @Option(help: "Input HDF5 file with /subtomograms.") var input: String
    @Option(help: "Output HDF5 file.") var output: String

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("predict", issue: "issue 6")
    }
}
