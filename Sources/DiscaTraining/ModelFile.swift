import DiscaCore
import DiscaIO
import DiscaNetwork
import DiscaStats

/// Stores and restores the pieces of a trained model in HDF5 groups: the feature network (parameters, BatchNorm
/// moving statistics, optionally the Nadam state), the head, the PCA and the mixture. Used by `model.h5` (what
/// `predict` needs) and by checkpoints (which also keep the optimizer states). Collective in parallel files: every
/// rank calls with the same (replicated) values; rank 0's copy is written.
public enum ModelFile {
    public static func writeNetwork(_ model: YOPOModel, to f: HDF5File, group: String = "/network",
                                    optimizer: Bool, comm: Communicator) throws {
        let a = model.architecture
        try f.createGroup(group)
        for (k, v) in [("blocks", a.blocks), ("first_width", a.firstWidth), ("width_step", a.widthStep),
                       ("feature_size", a.featureSize), ("box", a.boxVoxels)] {
            try f.setAttribute(k, .int(v), on: group)
        }
        try f.write("\(group)/parameters", model.parameters.array, shape: [model.parameters.count], rank: comm.rank)
        try f.write("\(group)/statistics", model.statistics.array, shape: [model.statistics.count], rank: comm.rank)
        if optimizer {
            try f.write("\(group)/optimizer", model.optimizer.state.array, shape: [model.optimizer.state.count],
                        rank: comm.rank)
        }
        let h = model.head
        try f.createGroup("\(group)/head")
        try f.setAttribute("classes", .int(h.classes), on: "\(group)/head")
        try f.write("\(group)/head/parameters", h.parameters.array, shape: [h.parameters.count], rank: comm.rank)
        if optimizer {
            try f.write("\(group)/head/optimizer", h.optimizer.state.array, shape: [h.optimizer.state.count],
                        rank: comm.rank)
        }
    }

    public static func readArchitecture(from f: HDF5File, group: String = "/network") throws -> YOPOArchitecture {
        YOPOArchitecture(blocks: try f.intAttribute("blocks", on: group),
                         firstWidth: try f.intAttribute("first_width", on: group),
                         widthStep: try f.intAttribute("width_step", on: group),
                         featureSize: try f.intAttribute("feature_size", on: group),
                         boxVoxels: try f.intAttribute("box", on: group))
    }

    /// Loads the network (and, when stored and asked for, the optimizer state) into a new model.
    public static func readNetwork(from f: HDF5File, group: String = "/network", optimizer: Bool,
                                   epsilon: Float = 1e-8) throws -> YOPOModel {
        let a = try readArchitecture(from: f, group: group)
        let classes = try f.intAttribute("classes", on: "\(group)/head")
        let model = try YOPOModel(architecture: a, classes: classes, seed: 0, epsilon: epsilon)
        try model.parameters.assign(try f.read("\(group)/parameters"), what: "\(f.path) \(group)/parameters")
        try model.statistics.assign(try f.read("\(group)/statistics"), what: "\(f.path) \(group)/statistics")
        try model.head.parameters.assign(try f.read("\(group)/head/parameters"), what: "\(f.path) \(group)/head/parameters")
        if optimizer {
            try model.optimizer.state.assign(try f.read("\(group)/optimizer"), what: "\(f.path) \(group)/optimizer")
            try model.head.optimizer.state.assign(try f.read("\(group)/head/optimizer"),
                                                  what: "\(f.path) \(group)/head/optimizer")
        }
        return model
    }

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
