import DiscaCore
import DiscaNumerics

/// Hard labels, posteriors and the log-likelihood of rows under a fitted mixture.
public struct MixtureAssignment: Sendable {
    /// (localCount) argmax posterior of each local row.
    public let labels: [Int32]
    /// (localCount, K) posteriors when asked for, else empty.
    public let posterior: [Float]
    /// Sum over ALL rows (every rank) of log p(x_n): scikit-learn's `score(X) * N`.
    public let totalLogLikelihood: Double
}

extension GaussianMixture {
    /// Collective: the final E-step of a fit (scikit-learn's last `_e_step` in `fit_predict`): labels, optional
    /// posteriors, and the global log-likelihood (one allreduce).
    public static func assign(_ data: MixtureData, fit: GaussianMixtureFit, posterior: Bool = false,
                              options: GaussianMixtureOptions = GaussianMixtureOptions(),
                              comm: Communicator) throws -> MixtureAssignment {
        try assign(data, centredModel: fit.centredModel, posterior: posterior, threads: options.resolvedThreads,
                   comm: comm)
    }

    /// Collective: as above for any model in the frame of the input rows.
    public static func assign(_ data: MixtureData, model: GaussianMixtureModel, posterior: Bool = false,
                              options: GaussianMixtureOptions = GaussianMixtureOptions(),
                              comm: Communicator) throws -> MixtureAssignment {
        try assign(data, centredModel: model.translated(by: data.shift.map { -$0 }), posterior: posterior,
                   threads: options.resolvedThreads, comm: comm)
    }

    /// Collective: the global log-likelihood (sum over all rows of every rank) of each fit, all scored in one pass
    /// over the rows and one allreduce. Equal to `assign(...).totalLogLikelihood` of each.
    public static func totalLogLikelihoods(_ data: MixtureData, fits: [GaussianMixtureFit],
                                           options: GaussianMixtureOptions = GaussianMixtureOptions(),
                                           comm: Communicator) throws -> [Double] {
        guard !fits.isEmpty else { return [] }
        var totals = MixturePass.logLikelihoods(data, MixtureKernel(fits.map { $0.centredModel }),
                                                threads: options.resolvedThreads)
        try comm.allreduce(&totals, .sum)
        return totals
    }

    static func assign(_ data: MixtureData, centredModel: GaussianMixtureModel, posterior wantPosterior: Bool,
                       threads: Int, comm: Communicator) throws -> MixtureAssignment {
        precondition(centredModel.dims == data.dims, "mixture of width \(centredModel.dims) scored on rows of \(data.dims)")
        let k = centredModel.components
        var labels = [Int32](repeating: 0, count: data.localCount)
        var posterior = [Float](repeating: 0, count: wantPosterior ? data.localCount * k : 0)
        let kernel = MixtureKernel(centredModel)
        let local = labels.withUnsafeMutableBufferPointer { l in
            posterior.withUnsafeMutableBufferPointer { p in
                MixturePass.score(data, kernel, threads: threads, labels: l.baseAddress,
                                  posterior: wantPosterior ? p.baseAddress : nil)
            }
        }
        let total = try comm.allreduce(local, .sum)
        return MixtureAssignment(labels: labels, posterior: posterior, totalLogLikelihood: total)
    }
}

extension GaussianMixtureModel {
    /// Local (no communication) prediction for new rows, as scikit-learn's `predict`/`predict_proba`: labels,
    /// posteriors (count, K) and the sum of the rows' log-likelihoods. For `disca predict`.
    public func predict<S>(_ rows: LocalRows<S>, threads: Int = 1) -> MixtureAssignment {
        precondition(rows.dims == dims, "mixture of width \(dims) applied to rows of \(rows.dims)")
        // Centre on the weighted mean of the component means, which keeps the expanded quadratic form accurate.
        var centre = [Double](repeating: 0, count: dims)
        for c in 0..<components { for j in 0..<dims { centre[j] += weights[c] * means[c * dims + j] } }
        let data = MixtureData(local: rows, shift: centre, globalCount: rows.count)
        let k = components
        var labels = [Int32](repeating: 0, count: rows.count)
        var posterior = [Float](repeating: 0, count: rows.count * k)
        let kernel = MixtureKernel(translated(by: centre.map { -$0 }))
        let total = labels.withUnsafeMutableBufferPointer { l in
            posterior.withUnsafeMutableBufferPointer { p in
                MixturePass.score(data, kernel, threads: threads, labels: l.baseAddress, posterior: p.baseAddress)
            }
        }
        return MixtureAssignment(labels: labels, posterior: posterior, totalLogLikelihood: total)
    }
}
