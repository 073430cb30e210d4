import DiscaCore
import DiscaIO
import DiscaNetwork
import DiscaStats

/// Stores and restores the statistical pieces of a trained model in HDF5 groups: the PCA and the mixture (the network
/// and head are stored by `YOPOModel.save`/`load` in the group `/network`). Used by `model.h5` (what `predict` needs).
/// Collective in parallel files: every rank calls with the same (replicated) values; rank 0's copy is written.
public enum ModelFile {
    public static func writePCA(_ pca: PCAModel, to f: HDF5File, group: String = "/pca", comm: Communicator) throws {
        try f.createGroup(group)
        try f.setAttribute("input_dims", .int(pca.inputDims), on: group)
        try f.setAttribute("components", .int(pca.componentCount), on: group)
        try f.setAttribute("total_variance", .double(pca.totalVariance), on: group)
        try f.setAttribute("sample_count", .int(pca.sampleCount), on: group)
        try f.write("\(group)/mean", pca.mean, shape: [pca.inputDims], rank: comm.rank)
        try f.write("\(group)/components_matrix", pca.components, shape: [pca.componentCount, pca.inputDims],
                    rank: comm.rank)
        try f.write("\(group)/explained_variance", pca.explainedVariance, shape: [pca.componentCount], rank: comm.rank)
    }

    public static func readPCA(from f: HDF5File, group: String = "/pca") throws -> PCAModel {
        PCAModel(inputDims: try f.intAttribute("input_dims", on: group),
                 componentCount: try f.intAttribute("components", on: group),
                 mean: try f.read("\(group)/mean"), components: try f.read("\(group)/components_matrix"),
                 explainedVariance: try f.read("\(group)/explained_variance"),
                 totalVariance: try f.doubleAttribute("total_variance", on: group),
                 sampleCount: try f.intAttribute("sample_count", on: group))
    }

    public static func writeMixture(_ m: GaussianMixtureModel, to f: HDF5File, group: String = "/mixture",
                                    comm: Communicator) throws {
        try f.createGroup(group)
        try f.setAttribute("dims", .int(m.dims), on: group)
        try f.setAttribute("K", .int(m.components), on: group)
        let k = m.components, d = m.dims
        try f.write("\(group)/weights", m.weights, shape: [k], rank: comm.rank)
        try f.write("\(group)/means", m.means, shape: [k, d], rank: comm.rank)
        try f.write("\(group)/covariances", m.covariances, shape: [k, d, d], rank: comm.rank)
        try f.write("\(group)/precision_cholesky", m.precisionCholesky, shape: [k, d, d], rank: comm.rank)
    }

    public static func readMixture(from f: HDF5File, group: String = "/mixture") throws -> GaussianMixtureModel {
        GaussianMixtureModel(dims: try f.intAttribute("dims", on: group), weights: try f.read("\(group)/weights"),
                             means: try f.read("\(group)/means"), covariances: try f.read("\(group)/covariances"),
                             precisionCholesky: try f.read("\(group)/precision_cholesky"))
    }
}
