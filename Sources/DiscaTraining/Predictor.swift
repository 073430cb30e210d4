import DiscaCore
import DiscaIO
import DiscaNetwork
import DiscaStats
import Foundation

/// `disca predict`: features, PCA projection, mixture posteriors and labels for a new set with a trained model,
/// each rank streaming its rows from the input and writing its rows of the output.
public struct Predictor {
    public let modelPath: String
    public let comm: Communicator

    public init(runDirectory: String, comm: Communicator) {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: runDirectory, isDirectory: &isDir), isDir.boolValue {
            modelPath = RunDirectory(path: runDirectory).modelPath
        } else {
            modelPath = runDirectory
        }
        self.comm = comm
    }

    /// Returns (subtomograms, seconds).
    public func run(input: String, dataset: String, output: String, readRows: Int, progressSeconds: Double,
                    includeFeatures: Bool = true) throws -> (count: Int, seconds: Double) {
        let started = Date()
        let file = try HDF5File.open(modelPath, comm: comm)
        let (model, pca, mixture): (YOPOModel, PCAModel?, GaussianMixtureModel) = try comm.collectively {
            guard file.exists("/network"), file.exists("/mixture") else {
                throw DiscaError.badInput("\(modelPath): not a disca model (no /network or /mixture); pass the run directory of a finished `disca train`")
            }
            let m = try YOPOModel.load(from: file, group: "/network")
            let p = file.exists("/pca") ? try ModelFile.readPCA(from: file) : nil
            return (m, p, try ModelFile.readMixture(from: file))
        }
        try file.close()
        let a = model.architecture
        let source = try SubtomogramSource(path: input, dataset: dataset, comm: comm, minimumBox: a.boxVoxels,
                                           blocks: a.blocks)
        try comm.collectively {
            guard source.boxVoxels == a.boxVoxels else {
                throw DiscaError.badInput("\(input): boxes of \(source.boxVoxels)^3 but the model was trained on \(a.boxVoxels)^3")
            }
        }
        try source.validateFinite(comm: comm, blockRows: readRows)
        let n = source.count, f = a.featureSize
        let mine = comm.rows(of: n)
        var features = [Float]()
        features.reserveCapacity(mine.count * f)
        let shown = ProgressDisplay(label: "predict features (rank 0 rows)", total: mine.count,
                                    intervalSeconds: progressSeconds, output: comm.rank == 0 ? .standardOutput : .silent)
        try source.forEachBlock(rows: mine, blockRows: readRows) { block, x in
            features += model.extractFeatures(x, count: block.count)
            shown.update(done: block.upperBound - mine.lowerBound)
        }
        shown.finish()
        let rows = LocalRows(values: features, dims: f, firstRow: mine.lowerBound)
        let projected = pca.map { $0.transform(rows) } ?? rows
        let assignment = mixture.predict(projected)
        let outputs = LocalOutputs(count: n, rows: mine, features: features, featureSize: f,
                                   featuresPCA: projected.values, pcaSize: projected.dims, labels: assignment.labels,
                                   posterior: assignment.posterior, classes: mixture.components)
        try writeResultFile(output, outputs: outputs,
                            attributes: [("K", .int(mixture.components)), ("model", .string(modelPath))],
                            includeFeatures: includeFeatures, comm: comm)
        return (n, Date().timeIntervalSince(started))
    }
}
