import DiscaCore

/// Batch statistics of one BatchNorm input over the whole (possibly distributed) batch, per channel.
public struct BatchStatistics: Sendable {
    public var mean: [Float]
    /// Biased variance (divided by the count), as Keras uses for both normalisation and the moving average.
    public var variance: [Float]
    /// 1 / sqrt(variance + epsilon).
    public var inverseStd: [Float]
    /// Number of values per channel over all ranks.
    public var count: Int
    /// The mean and 1 / sqrt(variance + epsilon) before rounding to float32 (for the small (B, T) backward pass).
    public var meanPrecise: [Double] = []
    public var inverseStdPrecise: [Double] = []
}

/// BatchNorm over the last axis of a (rows, C) array: the channels of a (B, D, H, W, C) map (rows = B*D*H*W) or the
/// entries of a (B, T) vector (rows = B). Keras semantics: momentum 0.99, epsilon 1e-3, biased batch variance.
///
/// Training:  y = (x - mean) * gamma / sqrt(var + eps) + beta, with mean and var over all rows of all ranks.
/// Inference: y = x * s + (beta - moving_mean * s), s = gamma / sqrt(moving_variance + eps).
/// Backward (x^ = (x - mean) / sqrt(var + eps), means over all rows of all ranks):
///   dbeta = sum dy, dgamma = sum dy * x^, dx = gamma / sqrt(var + eps) * (dy - mean(dy) - x^ * mean(dy * x^)).
///
/// Distributed: each rank holds some rows. The per-channel sums (of x and x^2 forward, of dy and dy * x^ backward) are
/// allreduced in Double through the communicator before they are used, so P ranks holding B/P samples each compute
/// what one rank with all B samples computes. The parameter gradients written here are the local sums; the caller's
/// allreduce of the flat gradient buffer completes them.
public enum BatchNorm {
    public static let epsilon: Float = 1e-3
    public static let momentum: Float = 0.99

    // MARK: - Forward

    /// sums (2C): [0, C) += sum of x, [C, 2C) += sum of x^2, over the rows of x (rows, C).
    @inlinable
    public static func accumulateMoments(_ sums: UnsafeMutablePointer<Double>, x: UnsafePointer<Float>,
                                         rows: Int, channels c: Int) {
        for r in 0..<rows {
            let row = x + r * c
            for ch in 0..<c {
                let v = Double(row[ch])
                sums[ch] += v
                sums[c + ch] += v * v
            }
        }
    }

    /// The batch statistics from the local sums (2C) and local row count, allreduced over `comm`.
    public static func statistics(localSums: [Double], localCount: Int, channels c: Int,
                                  comm: Communicator) throws -> BatchStatistics {
        precondition(localSums.count == 2 * c)
        var buffer = localSums + [Double(localCount)]
        try comm.allreduce(&buffer, .sum)
        let n = buffer[2 * c]
        precondition(n > 0, "BatchNorm over an empty batch")
        var s = BatchStatistics(mean: [Float](repeating: 0, count: c), variance: [Float](repeating: 0, count: c),
                                inverseStd: [Float](repeating: 0, count: c), count: Int(n))
        s.meanPrecise = [Double](repeating: 0, count: c)
        s.inverseStdPrecise = [Double](repeating: 0, count: c)
        for ch in 0..<c {
            let mean = buffer[ch] / n
            let variance = Swift.max(buffer[c + ch] / n - mean * mean, 0)
            let inverseStd = 1 / (variance + Double(epsilon)).squareRoot()
            s.mean[ch] = Float(mean)
            s.variance[ch] = Float(variance)
            s.inverseStd[ch] = Float(inverseStd)
            s.meanPrecise[ch] = mean
            s.inverseStdPrecise[ch] = inverseStd
        }
        return s
    }

    /// moving <- momentum * moving + (1 - momentum) * batch, for the mean and the (biased) variance.
    public static func updateMoving(mean: UnsafeMutablePointer<Float>, variance: UnsafeMutablePointer<Float>,
                                    with s: BatchStatistics) {
        for ch in 0..<s.mean.count {
            mean[ch] = mean[ch] * momentum + s.mean[ch] * (1 - momentum)
            variance[ch] = variance[ch] * momentum + s.variance[ch] * (1 - momentum)
        }
    }

    /// The per-channel affine map y = x * scale + shift of training mode (batch statistics).
    public static func trainingAffine(gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                      statistics s: BatchStatistics) -> (scale: [Float], shift: [Float]) {
        let c = s.mean.count
        var scale = [Float](repeating: 0, count: c), shift = scale
        for ch in 0..<c {
            scale[ch] = gamma[ch] * s.inverseStd[ch]
            shift[ch] = beta[ch] - s.mean[ch] * scale[ch]
        }
        return (scale, shift)
    }

    /// The per-channel affine map of inference mode (moving statistics), as TensorFlow evaluates it.
    public static func inferenceAffine(gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                       movingMean: UnsafePointer<Float>, movingVariance: UnsafePointer<Float>,
                                       channels c: Int) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: c), shift = scale
        for ch in 0..<c {
            scale[ch] = gamma[ch] / (movingVariance[ch] + epsilon).squareRoot()
            shift[ch] = beta[ch] - movingMean[ch] * scale[ch]
        }
        return (scale, shift)
    }

    /// y (rows, C) = x * scale + shift; y may alias x.
    @inlinable
    public static func applyAffine(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, scale: UnsafePointer<Float>,
                                   shift: UnsafePointer<Float>, rows: Int, channels c: Int) {
        for r in 0..<rows {
            let xi = x + r * c, yi = y + r * c
            for ch in 0..<c { yi[ch] = xi[ch] * scale[ch] + shift[ch] }
        }
    }

    // MARK: - Backward

    /// sums (2C): [0, C) += sum of dy, [C, 2C) += sum of dy * x^, over the rows.
    @inlinable
    public static func accumulateBackwardSums(_ sums: UnsafeMutablePointer<Double>, dy: UnsafePointer<Float>,
                                              x: UnsafePointer<Float>, mean: UnsafePointer<Float>,
                                              inverseStd: UnsafePointer<Float>, rows: Int, channels c: Int) {
        for r in 0..<rows {
            let dyi = dy + r * c, xi = x + r * c
            for ch in 0..<c {
                let g = Double(dyi[ch])
                sums[ch] += g
                sums[c + ch] += g * Double((xi[ch] - mean[ch]) * inverseStd[ch])
            }
        }
    }

    /// Completes the backward sums: dbeta += local sum dy, dgamma += local sum dy * x^; then allreduces them and
    /// returns the global means of dy and dy * x^ that `backwardInput` needs.
    public static func reduceBackwardSums(localSums: [Double], dGamma: UnsafeMutablePointer<Float>,
                                          dBeta: UnsafeMutablePointer<Float>, statistics s: BatchStatistics,
                                          comm: Communicator) throws -> (meanDy: [Float], meanDyXhat: [Float]) {
        let c = s.mean.count
        for ch in 0..<c {
            dBeta[ch] += Float(localSums[ch])
            dGamma[ch] += Float(localSums[c + ch])
        }
        var global = localSums
        try comm.allreduce(&global, .sum)
        let n = Double(s.count)
        return ((0..<c).map { Float(global[$0] / n) }, (0..<c).map { Float(global[c + $0] / n) })
    }

    /// dx (rows, C) = gamma / sqrt(var + eps) * (dy - mean(dy) - x^ * mean(dy * x^)); dx may alias dy.
    @inlinable
    public static func backwardInput(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                                     x: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
                                     mean: UnsafePointer<Float>, inverseStd: UnsafePointer<Float>,
                                     meanDy: UnsafePointer<Float>, meanDyXhat: UnsafePointer<Float>,
                                     rows: Int, channels c: Int) {
        for r in 0..<rows {
            let dyi = dy + r * c, xi = x + r * c, dxi = dx + r * c
            for ch in 0..<c {
                let xhat = (xi[ch] - mean[ch]) * inverseStd[ch]
                dxi[ch] = gamma[ch] * inverseStd[ch] * (dyi[ch] - meanDy[ch] - xhat * meanDyXhat[ch])
            }
        }
    }

    // MARK: - Whole passes (for (B, T) vectors and tests)

    /// Training-mode forward of x (rows, C) into y: batch statistics over all ranks; updates the moving statistics
    /// when they are given. Returns the statistics the backward pass needs.
    @discardableResult
    public static func forwardTraining(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                                       gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
                                       movingMean: UnsafeMutablePointer<Float>?,
                                       movingVariance: UnsafeMutablePointer<Float>?,
                                       rows: Int, channels c: Int, comm: Communicator) throws -> BatchStatistics {
        var sums = [Double](repeating: 0, count: 2 * c)
        sums.withUnsafeMutableBufferPointer { accumulateMoments($0.baseAddress!, x: x, rows: rows, channels: c) }
        let s = try statistics(localSums: sums, localCount: rows, channels: c, comm: comm)
        if let movingMean, let movingVariance { updateMoving(mean: movingMean, variance: movingVariance, with: s) }
        let (scale, shift) = trainingAffine(gamma: gamma, beta: beta, statistics: s)
        applyAffine(y: y, x: x, scale: scale, shift: shift, rows: rows, channels: c)
        return s
    }

    /// Training-mode backward: dx (rows, C) = d loss / dx (may alias dy); dGamma, dBeta (C) += local sums.
    /// Evaluated in Double (meant for the small (B, T) tap vectors), so that sum over rows of dx, which is exactly 0,
    /// stays at float32 round-off of the result.
    public static func backward(dx: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>,
                                dBeta: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, gamma: UnsafePointer<Float>, statistics s: BatchStatistics,
                                rows: Int, channels c: Int, comm: Communicator) throws {
        var sums = [Double](repeating: 0, count: 2 * c)
        for r in 0..<rows {
            for ch in 0..<c {
                let g = Double(dy[r * c + ch])
                sums[ch] += g
                sums[c + ch] += g * (Double(x[r * c + ch]) - s.meanPrecise[ch]) * s.inverseStdPrecise[ch]
            }
        }
        for ch in 0..<c {
            dBeta[ch] += Float(sums[ch])
            dGamma[ch] += Float(sums[c + ch])
        }
        try comm.allreduce(&sums, .sum)
        let n = Double(s.count)
        for r in 0..<rows {
            for ch in 0..<c {
                let xhat = (Double(x[r * c + ch]) - s.meanPrecise[ch]) * s.inverseStdPrecise[ch]
                let g = Double(dy[r * c + ch])
                dx[r * c + ch] = Float(Double(gamma[ch]) * s.inverseStdPrecise[ch] *
                                       (g - sums[ch] / n - xhat * sums[c + ch] / n))
            }
        }
    }
}
