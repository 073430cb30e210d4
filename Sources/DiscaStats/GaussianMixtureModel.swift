/// A full-covariance Gaussian mixture: p(x) = sum_k w_k N(x | mu_k, Sigma_k).
///
/// Stored with scikit-learn's attribute conventions so it can be compared with `GaussianMixture` attribute by
/// attribute: `precisionCholesky` holds, per component, the upper-triangular U_k = L_k^-T where
/// Sigma_k = L_k L_k^T, so that Sigma_k^-1 = U_k U_k^T and the Mahalanobis term is |(x - mu_k) U_k|^2.
/// Codable, so `disca predict` can reuse a fitted model.
public struct GaussianMixtureModel: Codable, Sendable, Equatable {
    /// Width of a row (d).
    public let dims: Int
    /// (K) mixing weights, summing to 1.
    public let weights: [Double]
    /// (K, d) row-major.
    public let means: [Double]
    /// (K, d, d) row-major, reg_covar included on the diagonal.
    public let covariances: [Double]
    /// (K, d, d) row-major, upper triangular per component.
    public let precisionCholesky: [Double]

    public init(dims: Int, weights: [Double], means: [Double], covariances: [Double], precisionCholesky: [Double]) {
        let k = weights.count
        precondition(means.count == k * dims && covariances.count == k * dims * dims
                     && precisionCholesky.count == k * dims * dims, "GaussianMixtureModel: inconsistent shapes")
        self.dims = dims
        self.weights = weights
        self.means = means
        self.covariances = covariances
        self.precisionCholesky = precisionCholesky
    }

    /// The number of components (K).
    public var components: Int { weights.count }

    /// Free parameters of a full-covariance mixture: K d (means) + K d (d + 1) / 2 (covariances) + K - 1 (weights).
    public static func parameterCount(components k: Int, dims d: Int) -> Int { k * d + k * d * (d + 1) / 2 + k - 1 }

    /// Bayesian information criterion: -2 log L + p ln N (scikit-learn's `GaussianMixture.bic`).
    public static func bic(totalLogLikelihood: Double, components k: Int, dims d: Int, sampleCount n: Int) -> Double {
        -2 * totalLogLikelihood + Double(parameterCount(components: k, dims: d)) * log(Double(n))
    }

    /// The same model with every mean moved by `offset` (d): converts between the centred frame the EM runs in
    /// and the frame of the input rows.
    public func translated(by offset: [Double]) -> GaussianMixtureModel {
        precondition(offset.count == dims)
        var m = means
        for k in 0..<components { for j in 0..<dims { m[k * dims + j] += offset[j] } }
        return GaussianMixtureModel(dims: dims, weights: weights, means: m, covariances: covariances,
                                    precisionCholesky: precisionCholesky)
    }

    /// The model restricted to the components `keep` (in that order), weights renormalised to sum to 1.
    public func selecting(_ keep: [Int]) -> GaussianMixtureModel {
        let d = dims, dd = d * d
        let total = keep.reduce(0.0) { $0 + weights[$1] }
        return GaussianMixtureModel(
            dims: d, weights: keep.map { weights[$0] / total },
            means: keep.flatMap { means[($0 * d)..<($0 * d + d)] },
            covariances: keep.flatMap { covariances[($0 * dd)..<($0 * dd + dd)] },
            precisionCholesky: keep.flatMap { precisionCholesky[($0 * dd)..<($0 * dd + dd)] })
    }
}

#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif
