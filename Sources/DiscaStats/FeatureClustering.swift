import DiscaCore

/// The whole statistical step of one DISCA iteration (docs/algorithm.md sections 4 and 7) on features spread over ranks.
public struct FeatureClusteringResult: Sendable {
    /// The PCA fitted this time (nil when the features were clustered as they are).
    public let pca: PCAModel?
    /// The rows the mixtures were fitted to: (localCount, pcaComponents) projections, or the features.
    public let clustered: LocalRows<Float>
    /// The same rows prepared for mixtures (for further fits on them without another pass and allreduce).
    public let data: MixtureData
    /// The chosen mixture and every candidate's BIC. Its `labels`/`posterior` are before matching.
    public let selection: MixtureSelection
    /// (localCount) final labels in 0..<k: renumbered to best match `previous` when K is unchanged.
    public let labels: [Int32]
    /// (localCount, k) posteriors, columns in the order of `labels`.
    public let posterior: [Float]
    /// The mixture with components in the order of `labels` (for `predict`).
    public let model: GaussianMixtureModel
    public var k: Int { selection.k }
    /// The distortion-based Davies-Bouldin index of `labels` on `clustered` (lower is better).
    public let ddbi: Double
}

public enum FeatureClustering {
    /// Collective. `pcaComponents` 0 clusters the features as they are. `previous` are the last iteration's labels
    /// and K: with `warmStart` (iteration >= 2) the candidate equal to that K also gets a warm start from them, and
    /// whenever the new K equals it, the new ids are renamed to best match them (Hungarian on the global contingency
    /// table).
    public static func run(features: LocalRows<Float>, pcaComponents: Int, options: MixtureSelectionOptions,
                           previous: (labels: [Int32], k: Int)? = nil, warmStart: Bool = false,
                           comm: Communicator) throws -> FeatureClusteringResult {
        var pca: PCAModel?
        var clustered = features
        if pcaComponents > 0 {
            let model = try PCA.fit(features, components: pcaComponents, comm: comm)
            clustered = model.transform(features)
            pca = model
        }
        let data = try MixtureData(clustered, comm: comm)
        let selection = try MixtureSelection.run(data, options: options, current: warmStart ? previous : nil, comm: comm)
        var labels = selection.labels, posterior = selection.posterior, model = selection.model
        if let previous, previous.k == selection.k {
            let map = try LabelMatching.mapping(new: labels, previous: previous.labels, k: selection.k, comm: comm)
            LabelMatching.apply(map, labels: &labels, posterior: &posterior, k: selection.k)
            var order = [Int](repeating: 0, count: selection.k)   // final id -> component
            for (component, final) in map.enumerated() { order[final] = component }
            model = model.selecting(order)
        }
        let ddbi = try DDBI.compute(data, labels: labels, components: selection.k, regCovar: options.regCovar,
                                    threads: GaussianMixtureOptions(threads: options.threads).resolvedThreads,
                                    comm: comm)
        return FeatureClusteringResult(pca: pca, clustered: clustered, data: data, selection: selection, labels: labels,
                                       posterior: posterior, model: model, ddbi: ddbi)
    }
}
