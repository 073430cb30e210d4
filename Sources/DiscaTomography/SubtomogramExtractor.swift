import DiscaCore
import Foundation

/// What happens to a pick whose box reaches past a face of its tomogram.
public enum EdgePolicy: String, Sendable, CaseIterable {
    /// The voxels outside take the tomogram's mean.
    case pad
    /// The pick is left out (and counted).
    case skip
}

/// One particle to cut out: which tomogram, where (tomogram voxels), and the row of the picks file it came from.
public struct ExtractionItem: Sendable {
    public var tomogramIndex: Int
    public var position: VoxelPosition
    public var sourceRow: Int
    public init(tomogramIndex: Int, position: VoxelPosition, sourceRow: Int) {
        self.tomogramIndex = tomogramIndex; self.position = position; self.sourceRow = sourceRow
    }
}

/// Cutting boxes out of tomograms (docs/algorithm.md, "Extraction").
///
/// A pick at c (tomogram voxels) gives the cube of side n = D * B tomogram voxels starting at round(c - (n - 1) / 2)
/// along each axis, averaged over B^3 blocks into D^3 voxels (binning), so the box's geometric centre (D - 1) / 2
/// (the centre training rotates about) sits within half a
/// tomogram voxel of c; then normalised to mean 0 and SD 1 (a constant box stays 0). Sections are read through a
/// window of whole sections that moves forward with the picks (sorted by tomogram and z, one read of each section
/// per pass) and holds at most `blockBytes`.
public struct SubtomogramExtractor {
    public let box: Int
    public let bin: Int
    public let blockBytes: Int

    public init(box: Int, bin: Int, blockBytes: Int = 512 << 20) {
        self.box = box; self.bin = bin; self.blockBytes = blockBytes
    }

    /// Side of the cube read from the tomogram, in tomogram voxels.
    public var spanVoxels: Int { box * bin }

    /// First tomogram voxel of the cube along an axis.
    @inline(__always) func start(_ c: Double) -> Int { Int((c - Double(spanVoxels - 1) / 2).rounded()) }

    /// Whether the cube of a pick lies inside a tomogram of `size`.
    public func fits(_ q: VoxelPosition, in size: (x: Int, y: Int, z: Int)) -> Bool {
        let n = spanVoxels
        let x0 = start(q.x), y0 = start(q.y), z0 = start(q.z)
        return x0 >= 0 && y0 >= 0 && z0 >= 0 && x0 + n <= size.x && y0 + n <= size.y && z0 + n <= size.z
    }

    /// The order in which items are extracted and stored: by tomogram, then z, then y, then x, then source row.
    public static func storageOrder(_ items: [ExtractionItem]) -> [Int] {
        items.indices.sorted { a, b in
            let p = items[a], q = items[b]
            if p.tomogramIndex != q.tomogramIndex { return p.tomogramIndex < q.tomogramIndex }
            if p.position.z != q.position.z { return p.position.z < q.position.z }
            if p.position.y != q.position.y { return p.position.y < q.position.y }
            if p.position.x != q.position.x { return p.position.x < q.position.x }
            return p.sourceRow < q.sourceRow
        }
    }
}

/// The window of sections of one tomogram that extraction reads through.
public final class SectionWindow {
    let source: SectionSource
    let fill: Float
    let maximumSections: Int
    private(set) var range: Range<Int> = 0..<0
    private(set) var data: [Float] = []
    /// Sections read so far (for the test that each is read about once).
    public private(set) var sectionsRead = 0

    public init(source: SectionSource, fill: Float, blockBytes: Int, minimumSections: Int) {
        self.source = source; self.fill = fill
        let plane = max(1, source.sizeVoxels.x * source.sizeVoxels.y * MemoryLayout<Float>.size)
        maximumSections = max(minimumSections, min(source.sizeVoxels.z, blockBytes / plane))
    }

    /// Makes sure sections `needed` (clipped to the tomogram) are held.
    func hold(_ needed: Range<Int>) throws {
        let z = source.sizeVoxels.z
        let lo = max(0, needed.lowerBound), hi = min(z, needed.upperBound)
        guard lo < hi, !(range.lowerBound <= lo && hi <= range.upperBound) else { return }
        let upper = min(z, max(hi, lo + maximumSections))
        data = try source.readSections(lo..<upper)
        sectionsRead += upper - lo
        range = lo..<upper
    }

    /// The voxel (x, y, z) of the tomogram, or `fill` outside it. Sections must be held.
    @inline(__always) func voxel(_ x: Int, _ y: Int, _ z: Int) -> Float {
        let s = source.sizeVoxels
        guard x >= 0, y >= 0, z >= 0, x < s.x, y < s.y, z < s.z else { return fill }
        return data[((z - range.lowerBound) * s.y + y) * s.x + x]
    }
}

extension SubtomogramExtractor {
    /// The box of one pick, D^3 in (z, y, x) C order, normalised; its sections must be reachable by `window`.
    public func extract(_ q: VoxelPosition, from window: SectionWindow) throws -> [Float] {
        let n = spanVoxels, b = bin, d = box
        let x0 = start(q.x), y0 = start(q.y), z0 = start(q.z)
        try window.hold(z0..<(z0 + n))
        var out = [Float](repeating: 0, count: d * d * d)
        let scale = 1 / Float(b * b * b)
        for z in 0..<d {
            for y in 0..<d {
                for x in 0..<d {
                    var acc: Float = 0
                    for c in 0..<b {
                        for r in 0..<b {
                            for s in 0..<b {
                                acc += window.voxel(x0 + x * b + s, y0 + y * b + r, z0 + z * b + c)
                            }
                        }
                    }
                    out[(z * d + y) * d + x] = acc * scale
                }
            }
        }
        normalize(&out)
        return out
    }

    /// Mean 0 and SD 1 (double-precision sums); a constant box becomes 0.
    func normalize(_ v: inout [Float]) {
        var sum = 0.0, squares = 0.0
        for x in v { sum += Double(x); squares += Double(x) * Double(x) }
        let n = Double(v.count), mean = sum / n
        let sd = (max(0, squares / n - mean * mean)).squareRoot()
        let inv = sd > 1e-12 * max(1, abs(mean)) ? 1 / sd : 0
        for i in v.indices { v[i] = Float((Double(v[i]) - mean) * inv) }
    }
}
