import DiscaCore

/// Gaussian dropout (Keras `GaussianDropout(rate)`): in training every value is multiplied by an independent draw of
/// N(1, rate / (1 - rate)); at inference it is the identity. The noise of a sample is a pure function of
/// (seed, noise key of the step, global sample index), so it does not depend on the rank that holds the sample.
public enum GaussianDropout {
    /// Standard deviation of the multiplicative noise (1 for the paper's rate 0.5).
    public static func noiseStandardDeviation(rate: Float) -> Float {
        precondition(rate >= 0 && rate < 1, "dropout rate must be in [0, 1)")
        return (rate / (1 - rate)).squareRoot()
    }

    /// noise (B, V): one row per sample, row b keyed by `noiseKey` with item sampleIndices[b] (rows drawn on `workers` threads).
    public static func noise(_ noise: UnsafeMutablePointer<Float>, rate: Float, seed: UInt64, noiseKey: RandomKey,
                             sampleIndices: [Int], valuesPerSample v: Int, workers: Int = 1) {
        let sd = noiseStandardDeviation(rate: rate)
        ParallelWorkers.run(workers: workers, items: sampleIndices.count) { _, b in
            var stream = RandomStream(seed: seed, key: noiseKey.item(sampleIndices[b]))
            stream.fillNormal(UnsafeMutableBufferPointer(start: noise + b * v, count: v), mean: 1, sd: sd)
        }
    }

    /// y (n) = x (n) * noise (n); y may alias x.
    public static func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, noise: UnsafePointer<Float>,
                               count n: Int) {
        for i in 0..<n { y[i] = x[i] * noise[i] }
    }

    /// dx (n) += dy (n) * noise (n).
    public static func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                                noise: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { dx[i] += dy[i] * noise[i] }
    }
}
