import DiscaCore
import DiscaGeometry
import DiscaNumerics

/// Whether two class averages show the same structure, judged against their own noise: the best correlation of
/// average a with average b over every rotation of the grid and every shift, c_ab, divided by what two noisy
/// averages of one structure would reach, sqrt(r_a r_b), with r the reliability of each (`ClassAverages`).
/// An agreement near 1 means the two differ by no more than their noise; below it, by structure.
public enum AverageAgreement {
    /// (K, K) c_ab: the best correlation of reference a with rotated and shifted copies of reference b.
    public static func bestCorrelations(_ references: [[Float]], search: PoseSearch) -> [Double] {
        let k = references.count
        var best = [Double](repeating: 0, count: k * k)
        guard k > 1 else { return best }
        let n = search.workingBox.box
        // Each reference b, rotated and shifted, is a "template"; every reference a is scored like a particle.
        // Rotating an already low-passed, masked reference needs no filtering again: only re-masking.
        let flat = references.flatMap { $0 }
        for b in 0..<k {
            let volume = Volume(depth: n, height: n, width: n, data: references[b])
            let matches = search.search(particles: flat, count: k, references: [volume], filter: .lowPassOnly)
            for a in 0..<k { best[a * k + b] = Double(matches[a].score) }
        }
        return best
    }

    /// agreement_ab = c_ab / sqrt(r_a r_b), symmetrised (the larger of the two directions); +inf when a class has
    /// no reproducible average (r = 0), so that noise merges with whatever it is compared to.
    public static func agreements(correlations c: [Double], reliabilities r: [Double]) -> [Double] {
        let k = r.count
        var out = [Double](repeating: 0, count: k * k)
        for a in 0..<k { for b in 0..<k where a != b {
            let expected = (r[a] * r[b]).squareRoot()
            let observed = max(c[a * k + b], c[b * k + a])
            out[a * k + b] = expected > 0 ? observed / expected : .infinity
        } }
        return out
    }
}
