import Foundation

/// A 3D scalar map of `depth x height x width` float32 voxels in C order (z, y, x), x fastest:
/// `data[(z * height + y) * width + x]`. Positions are in voxels; the box centre is at `(n - 1) / 2` on each axis
/// (for even n, half way between the two middle voxels), the convention of every geometric operation here.
public struct Volume: Sendable, Equatable {
    public let depth: Int
    public let height: Int
    public let width: Int
    public var data: [Float]   // (depth, height, width)

    public init(depth: Int, height: Int, width: Int, data: [Float]) {
        precondition(depth > 0 && height > 0 && width > 0, "Volume: sizes must be positive")
        precondition(data.count == depth * height * width,
                     "Volume: \(data.count) values for \(depth) x \(height) x \(width)")
        self.depth = depth; self.height = height; self.width = width; self.data = data
    }

    public init(depth: Int, height: Int, width: Int, repeating value: Float = 0) {
        self.init(depth: depth, height: height, width: width,
                  data: [Float](repeating: value, count: depth * height * width))
    }

    /// A cube of side `n`.
    public init(cube n: Int, repeating value: Float = 0) { self.init(depth: n, height: n, width: n, repeating: value) }

    /// Fills each voxel from a function of its (z, y, x) index.
    public init(depth: Int, height: Int, width: Int, _ value: (Int, Int, Int) -> Float) {
        var data = [Float]()
        data.reserveCapacity(depth * height * width)
        for z in 0..<depth { for y in 0..<height { for x in 0..<width { data.append(value(z, y, x)) } } }
        self.init(depth: depth, height: height, width: width, data: data)
    }

    public var count: Int { data.count }
    public var shape: [Int] { [depth, height, width] }
    public var isCube: Bool { depth == height && height == width }

    @inline(__always) public func index(_ z: Int, _ y: Int, _ x: Int) -> Int { (z * height + y) * width + x }

    public subscript(z: Int, y: Int, x: Int) -> Float {
        get { data[index(z, y, x)] }
        set { data[index(z, y, x)] = newValue }
    }

    /// Box centre (z, y, x) in voxel coordinates.
    public var center: (z: Double, y: Double, x: Double) {
        (Double(depth - 1) / 2, Double(height - 1) / 2, Double(width - 1) / 2)
    }
}

// MARK: - Statistics, normalisation, cropping

extension Volume {
    /// Mean and population variance (divided by the voxel count), accumulated in double precision.
    public func meanAndVariance() -> (mean: Double, variance: Double) {
        Volume.meanAndVariance(data)
    }

    public static func meanAndVariance<C: Collection>(_ values: C) -> (mean: Double, variance: Double)
    where C.Element == Float {
        guard !values.isEmpty else { return (0, 0) }
        var sum = 0.0
        for v in values { sum += Double(v) }
        let mean = sum / Double(values.count)
        var ss = 0.0
        for v in values { let d = Double(v) - mean; ss += d * d }
        return (mean, ss / Double(values.count))
    }

    /// Shifts and scales to mean 0 and standard deviation 1 (a constant map becomes all zeros).
    public mutating func normalize() {
        let (mean, variance) = meanAndVariance()
        let scale = variance > 0 ? 1 / variance.squareRoot() : 0
        for i in data.indices { data[i] = Float((Double(data[i]) - mean) * scale) }
    }

    public func normalized() -> Volume { var v = self; v.normalize(); return v }

    /// Sum of all voxels (double precision).
    public var sum: Double { data.reduce(0.0) { $0 + Double($1) } }

    /// Centre of mass (z, y, x) in voxels of the non-negative part of the map (nil if that part is empty).
    public func centerOfMass() -> (z: Double, y: Double, x: Double)? {
        var m = 0.0, mz = 0.0, my = 0.0, mx = 0.0
        for z in 0..<depth {
            for y in 0..<height {
                for x in 0..<width {
                    let v = Double(Swift.max(0, data[index(z, y, x)]))
                    m += v; mz += v * Double(z); my += v * Double(y); mx += v * Double(x)
                }
            }
        }
        return m > 0 ? (mz / m, my / m, mx / m) : nil
    }

    /// The central part (or a padded copy) of side `n` on every axis. Source index `i` goes to `i - (size - n) / 2`
    /// (integer division), so for sizes of equal parity the box centre stays exactly in place.
    public func centerCropOrPad(toCube n: Int, fill: Float = 0) -> Volume {
        var out = Volume(cube: n, repeating: fill)
        let oz = (depth - n) / 2, oy = (height - n) / 2, ox = (width - n) / 2   // source index of out index 0
        for z in 0..<n {
            let sz = z + oz
            guard sz >= 0 && sz < depth else { continue }
            for y in 0..<n {
                let sy = y + oy
                guard sy >= 0 && sy < height else { continue }
                for x in 0..<n {
                    let sx = x + ox
                    guard sx >= 0 && sx < width else { continue }
                    out.data[out.index(z, y, x)] = data[index(sz, sy, sx)]
                }
            }
        }
        return out
    }

    /// exp(-r^2 / (2 sigma^2)) on an n^3 grid, r measured from the box centre moved by (dz, dy, dx) voxels.
    public static func gaussian(cube n: Int, sigma: Double, dz: Double = 0, dy: Double = 0, dx: Double = 0) -> Volume {
        let c = Double(n - 1) / 2
        return Volume(depth: n, height: n, width: n) { z, y, x in
            let r2 = (Double(z) - c - dz) * (Double(z) - c - dz) + (Double(y) - c - dy) * (Double(y) - c - dy)
                + (Double(x) - c - dx) * (Double(x) - c - dx)
            return Float(exp(-r2 / (2 * sigma * sigma)))
        }
    }
}
