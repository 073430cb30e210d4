#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// The obviously-correct E-step beside the fast one (`MixtureKernel`, `MixturePass`), written as scikit-learn
/// writes it: y = (x - mu_k) U_k, log N = -1/2 (d log 2 pi + |y|^2) + sum log diag U_k, per row and component.
/// Used by the tests to check the augmented-row formulation on odd shapes.
enum MixtureReference {
    /// (rows, K) log(w_k N(x_n | mu_k, Sigma_k)) for x (rows, d).
    static func weightedLogDensities(_ model: GaussianMixtureModel, _ x: [Double]) -> [Double] {
        let d = model.dims, k = model.components, rows = x.count / d, dd = d * d
        var out = [Double](repeating: 0, count: rows * k)
        for c in 0..<k {
            var logDet = 0.0
            for i in 0..<d { logDet += log(model.precisionCholesky[c * dd + i * d + i]) }
            for r in 0..<rows {
                var q = 0.0
                for j in 0..<d {
                    var y = 0.0
                    for i in 0..<d { y += (x[r * d + i] - model.means[c * d + i]) * model.precisionCholesky[c * dd + i * d + j] }
                    q += y * y
                }
                out[r * k + c] = -0.5 * (Double(d) * log(2 * Double.pi) + q) + logDet + log(model.weights[c])
            }
        }
        return out
    }

    /// One E-step by the definitions: [sum r x (d), sum r, sum r x x^T packed] per component, then the sum of the
    /// rows' log-likelihoods (K * S + 1 values, the layout of `MixturePass.emStep`).
    static func emStatistics(_ model: GaussianMixtureModel, _ x: [Double]) -> [Double] {
        let d = model.dims, k = model.components, rows = x.count / d, s = AugmentedRows.width(d)
        let logp = weightedLogDensities(model, x)
        var out = [Double](repeating: 0, count: k * s + 1)
        for r in 0..<rows {
            let row = Array(logp[(r * k)..<(r * k + k)])
            let m = row.max()!
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            out[k * s] += lse
            for c in 0..<k {
                let resp = exp(row[c] - lse)
                for j in 0..<d { out[c * s + j] += resp * x[r * d + j] }
                out[c * s + d] += resp
                var p = d + 1
                for i in 0..<d { for j in i..<d { out[c * s + p] += resp * x[r * d + i] * x[r * d + j]; p += 1 } }
            }
        }
        return out
    }
}
