import DiscaNumerics

/// The M-step: mixture parameters from the global sufficient statistics of `AugmentedRows` layout,
/// per component k: [sum_n r_nk x_n (d), sum_n r_nk (1), sum_n r_nk x_n x_n^T (packed upper, d(d+1)/2)].
///
/// Exactly scikit-learn's `_estimate_gaussian_parameters` (full covariance), written on sums:
///   n_k = sum_n r_nk + 10 eps                                   (eps of Double; keeps empty components finite)
///   mu_k = sum_n r_nk x_n / n_k
///   Sigma_k = sum_n r_nk (x_n - mu_k)(x_n - mu_k)^T / n_k + reg_covar I
///           = (S2_k - mu_k S1_k^T - S1_k mu_k^T + (sum_n r_nk) mu_k mu_k^T) / n_k + reg_covar I
///   w_k = n_k / sum_j n_j  (M-step)   or   n_k / N  (initialisation from responsibilities, `weightsOver`)
/// An empty component gets mu = 0 (in the input frame) and Sigma = reg_covar I: finite, never NaN.
enum MixtureMStep {
    /// `stats` holds K * S values (S = AugmentedRows.width(d)). Runs identically on every rank.
    /// `shift` is the frame's offset (the `MixtureData` mean), used only to place empty components as
    /// scikit-learn does (at the input frame's origin).
    static func parameters(stats: [Double], components k: Int, dims d: Int, regCovar: Double, shift: [Double],
                           weightsOver sampleCount: Int? = nil) -> GaussianMixtureModel {
        let s = AugmentedRows.width(d), dd = d * d
        let tiny = 10 * Double.ulpOfOne
        var nk = [Double](repeating: 0, count: k)
        var means = [Double](repeating: 0, count: k * d)
        var covariances = [Double](repeating: 0, count: k * dd)
        var precisionCholesky = [Double](repeating: 0, count: k * dd)
        for c in 0..<k {
            let base = c * s
            let raw = stats[base + d]
            let n = raw + tiny
            nk[c] = n
            // The mean scikit-learn computes in the input frame, (S1 + raw * shift) / n, moved to the centred
            // frame: differs from S1 / n only by shift * 10 eps / n, which matters for an empty component alone.
            for j in 0..<d { means[c * d + j] = stats[base + j] / n - shift[j] * (tiny / n) }
            var p = base + d + 1
            for i in 0..<d {
                let mi = means[c * d + i], si = stats[base + i]
                for j in i..<d {
                    let mj = means[c * d + j], sj = stats[base + j]
                    // sum_n r_n (x_n - m)(x_n - m)^T = S2 - m S1^T - S1 m^T + raw m m^T
                    let v = (stats[p] - mi * sj - si * mj + raw * mi * mj) / n
                    covariances[c * dd + i * d + j] = v
                    covariances[c * dd + j * d + i] = v
                    p += 1
                }
                covariances[c * dd + i * d + i] += regCovar
            }
            let sigma = Array(covariances[(c * dd)..<(c * dd + dd)])
            let (u, used) = precisionCholeskyFactor(sigma, dims: d, regCovar: regCovar)
            for i in 0..<dd { precisionCholesky[c * dd + i] = u[i] }
            if let used { for i in 0..<dd { covariances[c * dd + i] = used[i] } }
        }
        let total = sampleCount.map { Double($0) } ?? nk.reduce(0, +)
        return GaussianMixtureModel(dims: d, weights: nk.map { $0 / total }, means: means, covariances: covariances,
                                    precisionCholesky: precisionCholesky)
    }

    /// U = L^-T for Sigma = L L^T (scikit-learn's `_compute_precision_cholesky`). Where Sigma is not numerically
    /// positive definite (a collapsed component whose raw-moment difference lost its last digits), adds a growing
    /// multiple of the mean diagonal until it is, and returns the covariance actually used; scikit-learn raises
    /// there instead.
    static func precisionCholeskyFactor(_ sigma: [Double], dims d: Int,
                                        regCovar: Double) -> (u: [Double], adjusted: [Double]?) {
        if let l = SmallMatrix.choleskyLower(sigma, n: d) {
            return (SmallMatrix.transpose(SmallMatrix.invertLowerTriangular(l, n: d), n: d), nil)
        }
        var meanDiagonal = 0.0
        for i in 0..<d { meanDiagonal += abs(sigma[i * d + i]) }
        meanDiagonal = max(meanDiagonal / Double(d), regCovar, Double.leastNormalMagnitude)
        if !meanDiagonal.isFinite { meanDiagonal = 1 }
        var jitter = meanDiagonal * 1e-12
        while jitter <= meanDiagonal * 1e3 {
            var s = sigma
            for i in 0..<d { s[i * d + i] += jitter }
            if s.allSatisfy({ $0.isFinite }), let l = SmallMatrix.choleskyLower(s, n: d) {
                return (SmallMatrix.transpose(SmallMatrix.invertLowerTriangular(l, n: d), n: d), s)
            }
            jitter *= 100
        }
        // Last resort (non-finite statistics): an isotropic component.
        var s = [Double](repeating: 0, count: d * d)
        for i in 0..<d { s[i * d + i] = meanDiagonal }
        let l = SmallMatrix.choleskyLower(s, n: d)!
        return (SmallMatrix.transpose(SmallMatrix.invertLowerTriangular(l, n: d), n: d), s)
    }
}
