import DiscaCore
import DiscaNumerics

/// A fitted principal component analysis: `transform(x) = (x - mean) @ components^T`.
///
/// Fitted from global sufficient statistics: the count and the sum of all rows (first allreduce), then the sum of
/// centred outer products S = sum_n (x_n - mean)(x_n - mean)^T in Double (second allreduce). The covariance is
/// S / (N - 1) (scikit-learn's `explained_variance_` convention). Rank 0 eigen-decomposes it (LAPACK dsyevd) and
/// broadcasts the leading components, so every rank holds bit-identical components.
///
/// Sign convention (as scikit-learn's `svd_flip(..., u_based_decision=False)`): the entry of largest magnitude of
/// each component is positive.
public struct PCAModel: Codable, Sendable, Equatable {
    /// Width of the input rows.
    public let inputDims: Int
    /// Number of components kept (the width of the projected rows).
    public let componentCount: Int
    /// (inputDims) the global mean that is subtracted.
    public let mean: [Double]
    /// (componentCount, inputDims) row-major: unit-length principal axes, largest variance first.
    public let components: [Double]
    /// (componentCount) variance along each axis (eigenvalues of the covariance, divisor N - 1).
    public let explainedVariance: [Double]
    /// Sum of all eigenvalues (trace of the covariance): the denominator of the explained variance ratio.
    public let totalVariance: Double
    /// N, the number of rows the model was fitted on.
    public let sampleCount: Int

    public init(inputDims: Int, componentCount: Int, mean: [Double], components: [Double],
                explainedVariance: [Double], totalVariance: Double, sampleCount: Int) {
        precondition(mean.count == inputDims && components.count == componentCount * inputDims
                     && explainedVariance.count == componentCount)
        self.inputDims = inputDims
        self.componentCount = componentCount
        self.mean = mean
        self.components = components
        self.explainedVariance = explainedVariance
        self.totalVariance = totalVariance
        self.sampleCount = sampleCount
    }

    /// Fraction of the total variance along each kept axis.
    public var explainedVarianceRatio: [Double] {
        explainedVariance.map { totalVariance > 0 ? $0 / totalVariance : 0 }
    }
}

public enum PCA {
    /// Rows per block of the projection.
    static let blockRows = 512
    /// Rows per block of the outer-product accumulation (converted to Double, one dsyrk each; large, so the
    /// symmetrisation after each dsyrk stays cheap: for d = 1024 a block is 16 MiB).
    static let scatterBlockRows = 2048

    /// Fits `components` principal axes to the rows spread over the ranks of `comm` (collective).
    /// Throws `badInput` when the global row count is below 2, `components` is out of 1...dims, or a value is
    /// not finite.
    public static func fit<S>(_ rows: LocalRows<S>, components k: Int, comm: Communicator) throws -> PCAModel {
        let d = rows.dims
        // Pass 1: finite check, count and mean, one allreduce.
        let (n, mean) = try rows.globalCountAndMean("PCA", comm: comm)
        guard k >= 1 && k <= d else {
            throw CollectiveError(.badInput("PCA components \(k) must be in 1...\(d) (the input width)"))
        }

        // Pass 2: centred outer products in Double, one allreduce.
        var scatter = centredScatter(rows, mean: mean)
        try comm.allreduce(&scatter, .sum)

        // Root decomposes; everyone receives [components, variances, total].
        var packed = [Double](repeating: 0, count: k * d + k + 1)
        var failure: Error?
        if comm.isRoot {
            do { packed = try leadingAxes(scatter: scatter, dims: d, count: n, components: k) } catch { failure = error }
        }
        try comm.agree(failure)
        try comm.broadcast(&packed, root: 0)
        return PCAModel(inputDims: d, componentCount: k, mean: mean, components: Array(packed[0..<(k * d)]),
                        explainedVariance: Array(packed[(k * d)..<(k * d + k)]), totalVariance: packed[k * d + k],
                        sampleCount: n)
    }

    /// Local sum of (x - mean)(x - mean)^T, (d, d) full symmetric, via dsyrk on Double blocks.
    static func centredScatter<S>(_ rows: LocalRows<S>, mean: [Double]) -> [Double] {
        let d = rows.dims
        var scatter = [Double](repeating: 0, count: d * d)
        let blockRows = min(scatterBlockRows, max(rows.count, 1))
        var block = [Double](repeating: 0, count: blockRows * d)
        rows.values.withUnsafeBufferPointer { x in
            var start = 0
            while start < rows.count {
                let b = min(blockRows, rows.count - start)
                for r in 0..<b { for j in 0..<d { block[r * d + j] = Double(x[(start + r) * d + j]) - mean[j] } }
                block.withUnsafeBufferPointer { a in
                    scatter.withUnsafeMutableBufferPointer { c in
                        BLAS.dsyrkAccumulate(n: d, k: b, a: a.baseAddress!, lda: d, c: c.baseAddress!)
                    }
                }
                start += b
            }
        }
        return scatter
    }

    /// Eigen-decomposition of scatter / (n - 1): returns [components (k, d), variances (k), total variance].
    static func leadingAxes(scatter: [Double], dims d: Int, count n: Int, components k: Int) throws -> [Double] {
        var a = scatter.map { $0 / Double(n - 1) }
        let eigenvalues = try LAPACK.symmetricEigen(&a, n: d)   // ascending; eigenvectors are the columns of a
        var out = [Double](repeating: 0, count: k * d + k + 1)
        for c in 0..<k {
            let col = d - 1 - c
            var largest = 0.0, sign = 1.0
            for j in 0..<d where abs(a[j * d + col]) > largest { largest = abs(a[j * d + col]); sign = a[j * d + col] < 0 ? -1 : 1 }
            for j in 0..<d { out[c * d + j] = sign * a[j * d + col] }
            out[k * d + c] = max(eigenvalues[col], 0)
        }
        out[k * d + k] = eigenvalues.reduce(0) { $0 + max($1, 0) }
        return out
    }
}

/// Runs `body` and returns its error, if any (for `Communicator.agree`).
func capturingError(_ body: () throws -> Void) -> Error? {
    do { try body(); return nil } catch { return error }
}
