import DiscaCore
import Foundation

/// Whole sections of a tomogram, read on demand (an MRC file, or a volume in memory for tests).
public protocol SectionSource {
    /// Voxels along x, y, z.
    var sizeVoxels: (x: Int, y: Int, z: Int) { get }
    /// Sections `z` (all y, all x) in (z, y, x) C order.
    func readSections(_ z: Range<Int>) throws -> [Float]
}

/// A tomogram held in memory.
public struct InMemorySections: SectionSource {
    public let sizeVoxels: (x: Int, y: Int, z: Int)
    public let data: [Float]
    public init(sizeVoxels: (x: Int, y: Int, z: Int), data: [Float]) { self.sizeVoxels = sizeVoxels; self.data = data }
    public func readSections(_ z: Range<Int>) throws -> [Float] {
        let plane = sizeVoxels.x * sizeVoxels.y
        return Array(data[(z.lowerBound * plane)..<(z.upperBound * plane)])
    }
}

/// Settings of difference-of-Gaussians picking (docs/algorithm.md, "Picking").
public struct PickingSettings: Sendable {
    public enum Contrast: String, Sendable, CaseIterable { case dark, bright }
    /// Particle radius in voxels.
    public var radiusVoxels: Double
    /// Particles darker (cryo-ET, the default) or brighter than their surroundings.
    public var contrast: Contrast = .dark
    /// Smallest distance between two picks, in voxels.
    public var minimumDistanceVoxels: Double
    /// A pick's score must exceed the mean of the score volume by this many of its standard deviations.
    public var thresholdSD: Double = 3
    /// At most this many picks per tomogram (highest scores first).
    public var maximumPicks: Int = 10_000
    /// Picks whose centre lies closer than this to a face of the tomogram are dropped (default: the radius; the
    /// filtered volume near a face is built from the nearest voxels repeated, where the score's noise is larger).
    public var edgeVoxels: Double
    /// Memory for one slab of the tomogram and its filtered copies, in bytes.
    public var blockBytes: Int = 512 << 20

    public init(radiusVoxels: Double, minimumDistanceVoxels: Double? = nil) {
        self.radiusVoxels = radiusVoxels
        self.edgeVoxels = radiusVoxels
        self.minimumDistanceVoxels = minimumDistanceVoxels ?? 1.5 * radiusVoxels
    }

    /// The two Gaussians: sigma1 = r / sqrt(3) (where a solid sphere's scale-normalised blob response peaks) and
    /// sigma2 = 1.6 sigma1.
    public var sigmasVoxels: (inner: Double, outer: Double) {
        let s = max(0.5, radiusVoxels / 3.0.squareRoot())
        return (s, 1.6 * s)
    }
}

/// One pick: position in tomogram voxels (sub-voxel, by a parabola through the peak and its neighbours) and its
/// score in standard deviations of the score volume above its mean.
public struct Pick: Sendable {
    public var position: VoxelPosition
    public var score: Double
}

/// Difference-of-Gaussians picking, streaming over a tomogram in slabs of whole sections:
///
///     score = sign * (G_sigma1 * t - G_sigma2 * t)      (sign -1 for dark particles)
///
/// Each slab of output sections [z0, z1) reads sections [z0 - m - h, z1 + m + h) (h = 3 sigma2, the outer kernel's
/// reach; m = the suppression radius), filters them, and keeps the voxels of [z0, z1) that are the maximum of the
/// cube of half-width m about them; the tomogram is never held whole. After the last slab, the peaks above
/// mean + thresholdSD * SD of the score volume are taken from the highest down, each kept when it lies at least
/// the minimum distance from every pick kept before (spheres, not cubes), at most `maximumPicks`.
public struct DoGPicker {
    public let settings: PickingSettings

    public init(_ settings: PickingSettings) { self.settings = settings }

    /// Sections per output slab so that the read slab and its three filtered copies fit `blockBytes`, but at
    /// least twice the halo (so the halo's recomputation costs at most as much again as the slab itself; a budget
    /// below 4 halos of sections is exceeded rather than slowing picking by the halo's width).
    func slabSections(_ size: (x: Int, y: Int, z: Int), halo: Int) -> Int {
        let plane = size.x * size.y * MemoryLayout<Float>.size * 4
        return min(size.z, max(1, 2 * halo, settings.blockBytes / max(1, plane) - 2 * halo))
    }

    public func pick(_ source: SectionSource) throws -> (picks: [Pick], scoreMean: Double, scoreSD: Double) {
        let size = source.sizeVoxels
        let sigmas = settings.sigmasVoxels
        let inner = SeparableFilters.gaussianKernel(sigma: sigmas.inner)
        let outer = SeparableFilters.gaussianKernel(sigma: sigmas.outer)
        let m = max(1, Int(settings.minimumDistanceVoxels.rounded(.down)))
        let h = outer.count / 2
        let halo = m + h
        let step = slabSections(size, halo: halo)
        let sign: Float = settings.contrast == .dark ? -1 : 1
        var candidates: [Pick] = []
        var sum = 0.0, squares = 0.0, counted = 0.0
        var z0 = 0
        while z0 < size.z {
            let z1 = min(size.z, z0 + step)
            let readLo = max(0, z0 - halo), readHi = min(size.z, z1 + halo)
            let input = Slab(depth: readHi - readLo, height: size.y, width: size.x,
                             data: try source.readSections(readLo..<readHi))
            let a = SeparableFilters.convolve(input, kernel: inner)
            var score = SeparableFilters.convolve(input, kernel: outer)
            for i in score.data.indices { score.data[i] = sign * (a.data[i] - score.data[i]) }
            let peaks = SeparableFilters.maximum(score, radius: m)
            let plane = size.x * size.y
            for z in z0..<z1 {
                let local = z - readLo
                for i in 0..<plane {
                    let v = score.data[local * plane + i]
                    sum += Double(v); squares += Double(v) * Double(v); counted += 1
                    guard v > 0, v == peaks.data[local * plane + i] else { continue }
                    let y = i / size.x, x = i % size.x
                    candidates.append(Pick(position: refined(score, z: local, y: y, x: x, zOffset: readLo),
                                           score: Double(v)))
                }
            }
            z0 = z1
        }
        let mean = sum / max(1, counted)
        let sd = max(1e-30, (squares / max(1, counted) - mean * mean).squareRoot())
        let threshold = mean + settings.thresholdSD * sd
        var kept: [Pick] = []
        var taken = OccupancyGrid(size: size, cell: settings.minimumDistanceVoxels)
        let e = settings.edgeVoxels
        for c in candidates.sorted(by: { $0.score > $1.score }) where c.score > threshold {
            let q = c.position
            guard q.x >= e && q.y >= e && q.z >= e && q.x <= Double(size.x - 1) - e
                    && q.y <= Double(size.y - 1) - e && q.z <= Double(size.z - 1) - e else { continue }
            guard taken.isFree(q, radius: 0, gap: settings.minimumDistanceVoxels) else { continue }
            taken.insert(q, radius: 0, index: kept.count)
            kept.append(Pick(position: q, score: (c.score - mean) / sd))
            if kept.count == settings.maximumPicks { break }
        }
        return (kept, mean, sd)
    }

    /// The peak at (z, y, x) of `score`, moved by the vertex of the parabola through it and its two neighbours
    /// along each axis (at most half a voxel).
    func refined(_ score: Slab, z: Int, y: Int, x: Int, zOffset: Int) -> VoxelPosition {
        func offset(_ minus: Float?, _ centre: Float, _ plus: Float?) -> Double {
            guard let a = minus, let b = plus else { return 0 }
            let curvature = Double(a) - 2 * Double(centre) + Double(b)
            guard curvature < 0 else { return 0 }
            return max(-0.5, min(0.5, 0.5 * (Double(a) - Double(b)) / curvature))
        }
        let c = score.data[score.index(z, y, x)]
        func at(_ zz: Int, _ yy: Int, _ xx: Int) -> Float? {
            zz >= 0 && zz < score.depth && yy >= 0 && yy < score.height && xx >= 0 && xx < score.width
                ? score.data[score.index(zz, yy, xx)] : nil
        }
        return VoxelPosition(x: Double(x) + offset(at(z, y, x - 1), c, at(z, y, x + 1)),
                             y: Double(y) + offset(at(z, y - 1, x), c, at(z, y + 1, x)),
                             z: Double(z + zOffset) + offset(at(z - 1, y, x), c, at(z + 1, y, x)))
    }
}
