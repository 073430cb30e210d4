import ArgumentParser
import DiscaCore
import DiscaTraining
import Foundation

struct PredictCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Features, posteriors and labels for new subtomograms with a trained model (no training).",
        discussion: "Writes /labels, /features, /features_pca, /posterior (row n = input row n) and attribute K.")

    @Option(help: "Run directory of a finished `disca train` (its model.h5), or a model.h5 file.") var model: String
    @Option(help: "Input HDF5 file with /subtomograms.") var input: String
    @Option(help: "Output HDF5 file.") var output: String
    @Option(help: "Dataset of subtomograms in the input.") var dataset: String = "/subtomograms"
    @Option(help: "Subtomograms per read.") var readRows: Int = 256
    @Flag(help: "Leave /features out of the output (smaller files).") var noFeatures = false
    @Flag(help: "Replace an existing output.") var force = false

    func execute(_ context: RunContext) throws {
        let modelFiles = [model, (model as NSString).appendingPathComponent("model.h5")]
        try context.comm.collectively { try OutputGuard.check(outputs: [output], inputs: [input] + modelFiles, force: force) }
        let result = try Predictor(runDirectory: model, comm: context.comm)
            .run(input: input, dataset: dataset, output: output, readRows: max(1, readRows), progressSeconds: 10,
                 includeFeatures: !noFeatures)
        let rss = try context.comm.peakResidentMegabytesPerRank()
        context.say("peak RSS per rank (MB): \(rss.map(String.init).joined(separator: " "))")
        context.say(String(format: "predicted %d subtomograms in %.1f s (%.0f per second, %.2f million per hour) -> %@",
                           result.count, result.seconds, Double(result.count) / result.seconds,
                           Double(result.count) / result.seconds * 3600 / 1e6, output))
    }
}
