/// Minimum, maximum, mean and RMS deviation from the mean (MRC header words 20-22 and 55) of voxels seen slab by
/// slab, in double precision.
///
/// Each slab is summarised exactly as a whole array would be (mean, then the sum of squared deviations from it, two
/// passes), and slabs are merged with the pairwise update of Chan, Golub and LeVeque: for parts a and b with counts
/// n_a, n_b, means m_a, m_b and squared-deviation sums M_a, M_b, and d = m_b - m_a,
///     n = n_a + n_b,   m = m_a + d n_b / n,   M = M_a + M_b + d^2 n_a n_b / n.
/// The RMS is sqrt(M / n), the population standard deviation, as mrcfile and numpy's `std` compute it.
struct MRCRunningStatistics: Sendable {
    private(set) var count = 0
    private(set) var minimum = Float.infinity
    private(set) var maximum = -Float.infinity
    private(set) var mean = 0.0
    private(set) var squaredDeviations = 0.0

    /// Adds one slab of voxels.
    mutating func add(_ values: UnsafeBufferPointer<Float>) {
        guard !values.isEmpty else { return }
        var lo = values[0], hi = values[0], sum = 0.0
        for v in values { lo = Swift.min(lo, v); hi = Swift.max(hi, v); sum += Double(v) }
        let n = Double(values.count)
        let slabMean = sum / n
        var ss = 0.0
        for v in values { let d = Double(v) - slabMean; ss += d * d }
        minimum = Swift.min(minimum, lo); maximum = Swift.max(maximum, hi)
        if count == 0 {
            mean = slabMean; squaredDeviations = ss
        } else {
            let na = Double(count), total = na + n, d = slabMean - mean
            mean += d * n / total
            squaredDeviations += ss + d * d * na * n / total
        }
        count += values.count
    }

    /// The header statistics; all zero when nothing was added.
    var header: (min: Float, max: Float, mean: Float, rms: Float) {
        guard count > 0 else { return (0, 0, 0, 0) }
        return (minimum, maximum, Float(mean), Float((squaredDeviations / Double(count)).squareRoot()))
    }
}
