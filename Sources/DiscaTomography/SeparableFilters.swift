import Foundation

/// A block of whole sections of a tomogram: `depth` sections of `height` rows of `width` voxels, (z, y, x) C order.
public struct Slab: Sendable {
    public var depth: Int, height: Int, width: Int
    public var data: [Float]

    public init(depth: Int, height: Int, width: Int, data: [Float]) {
        precondition(data.count == depth * height * width, "Slab: \(data.count) values for \(depth) x \(height) x \(width)")
        self.depth = depth; self.height = height; self.width = width; self.data = data
    }

    @inline(__always) func index(_ z: Int, _ y: Int, _ x: Int) -> Int { (z * height + y) * width + x }
}

/// Separable filters on slabs, each axis in turn, with the nearest voxel standing in beyond the edges
/// (docs/algorithm.md, "Picking"). `SeparableFiltersReference` holds the plain 3D versions they are tested against.
enum SeparableFilters {
    /// The normalised Gaussian kernel of standard deviation `sigma` voxels, radius ceil(3 sigma).
    static func gaussianKernel(sigma: Double) -> [Float] {
        let radius = max(1, Int((3 * sigma).rounded(.up)))
        var k = (-radius...radius).map { i in exp(-Double(i * i) / (2 * sigma * sigma)) }
        let total = k.reduce(0, +)
        k = k.map { $0 / total }
        return k.map(Float.init)
    }

    /// Convolution with `kernel` (odd length, centred) along all three axes.
    static func convolve(_ slab: Slab, kernel: [Float]) -> Slab {
        var s = slab
        s = along(s, axis: 2) { line, out in convolveLine(line, kernel, out) }
        s = along(s, axis: 1) { line, out in convolveLine(line, kernel, out) }
        s = along(s, axis: 0) { line, out in convolveLine(line, kernel, out) }
        return s
    }

    /// The largest value in the cube of half-width `radius` about each voxel.
    static func maximum(_ slab: Slab, radius: Int) -> Slab {
        var s = slab
        for axis in [2, 1, 0] { s = along(s, axis: axis) { line, out in maximumLine(line, radius, out) } }
        return s
    }

    /// Applies `body` to every line of the slab along `axis` (0 = z, 1 = y, 2 = x).
    static func along(_ slab: Slab, axis: Int,
                      _ body: (UnsafeBufferPointer<Float>, UnsafeMutableBufferPointer<Float>) -> Void) -> Slab {
        let (d, h, w) = (slab.depth, slab.height, slab.width)
        let n = [d, h, w][axis], stride = [h * w, w, 1][axis]
        var out = slab
        var line = [Float](repeating: 0, count: n), result = line
        slab.data.withUnsafeBufferPointer { src in
            out.data.withUnsafeMutableBufferPointer { dst in
                line.withUnsafeMutableBufferPointer { line in
                    result.withUnsafeMutableBufferPointer { result in
                        let others = d * h * w / n
                        for o in 0..<others {
                            // The start of line o: the voxels with the filtered axis at 0.
                            let start: Int
                            switch axis {
                            case 2: start = o * w
                            case 1: start = (o / w) * h * w + o % w
                            default: start = o
                            }
                            for i in 0..<n { line[i] = src[start + i * stride] }
                            body(UnsafeBufferPointer(line), result)
                            for i in 0..<n { dst[start + i * stride] = result[i] }
                        }
                    }
                }
            }
        }
        return out
    }

    static func convolveLine(_ line: UnsafeBufferPointer<Float>, _ kernel: [Float], _ out: UnsafeMutableBufferPointer<Float>) {
        let n = line.count, r = kernel.count / 2
        kernel.withUnsafeBufferPointer { k in
            for i in 0..<n {
                var acc: Float = 0
                if i >= r && i + r < n {
                    for j in 0..<k.count { acc += k[j] * line[i - r + j] }
                } else {
                    for j in 0..<k.count { acc += k[j] * line[min(n - 1, max(0, i - r + j))] }
                }
                out[i] = acc
            }
        }
    }

    static func maximumLine(_ line: UnsafeBufferPointer<Float>, _ r: Int, _ out: UnsafeMutableBufferPointer<Float>) {
        let n = line.count
        for i in 0..<n {
            var m = line[i]
            for j in max(0, i - r)...min(n - 1, i + r) where line[j] > m { m = line[j] }
            out[i] = m
        }
    }
}

/// The plain 3D versions of `SeparableFilters`, voxel by voxel (for tests).
enum SeparableFiltersReference {
    static func convolve(_ slab: Slab, kernel: [Float]) -> Slab {
        let r = kernel.count / 2
        var out = slab
        func c(_ v: Int, _ n: Int) -> Int { min(n - 1, max(0, v)) }
        for z in 0..<slab.depth { for y in 0..<slab.height { for x in 0..<slab.width {
            var acc = 0.0
            for a in -r...r { for b in -r...r { for e in -r...r {
                let v = slab.data[slab.index(c(z + a, slab.depth), c(y + b, slab.height), c(x + e, slab.width))]
                acc += Double(kernel[a + r]) * Double(kernel[b + r]) * Double(kernel[e + r]) * Double(v)
            } } }
            out.data[slab.index(z, y, x)] = Float(acc)
        } } }
        return out
    }

    static func maximum(_ slab: Slab, radius r: Int) -> Slab {
        var out = slab
        for z in 0..<slab.depth { for y in 0..<slab.height { for x in 0..<slab.width {
            var m = -Float.infinity
            for a in max(0, z - r)...min(slab.depth - 1, z + r) {
                for b in max(0, y - r)...min(slab.height - 1, y + r) {
                    for e in max(0, x - r)...min(slab.width - 1, x + r) { m = max(m, slab.data[slab.index(a, b, e)]) }
                }
            }
            out.data[slab.index(z, y, x)] = m
        } } }
        return out
    }
}
