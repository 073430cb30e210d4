import DiscaAlignment
import DiscaGeometry
import DiscaSimulation
import Foundation

/// How well a class map agrees with a known structure (docs/algorithm.md, "Class maps"; a measuring tool):
/// the largest Pearson correlation, over the rotations of a grid and shifts of up to `maxShift` voxels, between the
/// class map and the structure sampled at the class map's voxel size, both low-passed to `cutoff` cycles per voxel
/// and compared inside the sphere of the box. `sign` -1 compares with the negated structure (protein is dark in
/// tomograms and in the subtomograms cut from them).
public struct MapComparison {
    public let rotations: RotationGrid
    public let cutoff: Double
    public let maxShift: Int
    public let sign: Float

    public init(rotations: Int = 2000, cutoff: Double = 0.25, maxShift: Int = 1, sign: Float = -1) {
        self.rotations = RotationGrid(count: rotations)
        self.cutoff = cutoff; self.maxShift = maxShift; self.sign = sign
    }

    /// The best correlation of `map` (b^3) with `structure`, and the rotation index where it was found: every
    /// rotation unshifted, then the shifts about the 20 best rotations. Low-passing commutes with rotating and
    /// shifting, so the structure is low-passed once, before sampling.
    public func correlation(map: [Float], box b: Int, structure: SimulationClass) -> (correlation: Double, rotation: Int) {
        let target = Volume(depth: b, height: b, width: b, data: map).lowPassed(cutoff: cutoff)
        let mask = Self.sphere(b)
        let t = Self.centred(target.data, mask)
        let m = structure.map
        let scale = m.voxelSizeAngstrom / m.targetVoxelSizeAngstrom
        let smooth = BandLimitedMap(m.volume.lowPassed(cutoff: cutoff * scale), voxelSizeAngstrom: m.voxelSizeAngstrom,
                                    targetVoxelSizeAngstrom: m.targetVoxelSizeAngstrom)
        func score(_ r: Int, _ shift: (Double, Double, Double)) -> Double {
            let v = smooth.sample(VolumeTransform(rotation: rotations.rotations[r], shift: shift), box: b)
            let s = Self.centred(v.data.map { sign * $0 }, mask)
            var dot = 0.0
            for i in t.indices { dot += t[i] * s[i] }
            return dot
        }
        let first = (0..<rotations.count).map { ($0, score($0, (0, 0, 0))) }.sorted { $0.1 > $1.1 }
        var best = first.first.map { ($0.1, $0.0) } ?? (-Double.infinity, -1)
        for (r, _) in first.prefix(20) {
            for sz in -maxShift...maxShift { for sy in -maxShift...maxShift { for sx in -maxShift...maxShift {
                let c = score(r, (Double(sx), Double(sy), Double(sz)))
                if c > best.0 { best = (c, r) }
            } } }
        }
        return best
    }

    /// Values inside the mask, mean 0 and norm 1 (zero outside).
    static func centred(_ x: [Float], _ mask: [Bool]) -> [Double] {
        var sum = 0.0, n = 0.0
        for i in x.indices where mask[i] { sum += Double(x[i]); n += 1 }
        let mean = sum / max(1, n)
        var out = [Double](repeating: 0, count: x.count), norm = 0.0
        for i in x.indices where mask[i] { out[i] = Double(x[i]) - mean; norm += out[i] * out[i] }
        let inv = norm > 0 ? 1 / norm.squareRoot() : 0
        return out.map { $0 * inv }
    }

    /// Voxels within (b - 1) / 2 of the box centre.
    static func sphere(_ b: Int) -> [Bool] {
        let c = Double(b - 1) / 2, r2 = c * c
        var m = [Bool](repeating: false, count: b * b * b)
        for z in 0..<b { for y in 0..<b { for x in 0..<b {
            let d = (Double(z) - c) * (Double(z) - c) + (Double(y) - c) * (Double(y) - c) + (Double(x) - c) * (Double(x) - c)
            m[(z * b + y) * b + x] = d <= r2
        } } }
        return m
    }
}
