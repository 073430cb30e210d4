import DiscaCore
import Foundation

/// A 3x3 rotation matrix acting on column vectors (x, y, z) in voxel units: p' = R p.
/// (Volumes store (z, y, x); the geometric code converts, so x here is always the fastest volume axis.)
public struct Rotation3: Sendable, Equatable {
    /// Row-major entries m[3 * row + column].
    public var m: [Double]

    public init(rowMajor m: [Double]) {
        precondition(m.count == 9, "Rotation3: 9 entries expected")
        self.m = m
    }

    public static let identity = Rotation3(rowMajor: [1, 0, 0, 0, 1, 0, 0, 0, 1])

    /// The rotation by `angle` radians about the unit vector `axis` (x, y, z), right-handed (Rodrigues).
    public init(axis: (x: Double, y: Double, z: Double), angle: Double) {
        let n = (axis.x * axis.x + axis.y * axis.y + axis.z * axis.z).squareRoot()
        precondition(n > 0, "Rotation3: zero axis")
        let (x, y, z) = (axis.x / n, axis.y / n, axis.z / n)
        let c = cos(angle), s = sin(angle), t = 1 - c
        self.init(rowMajor: [t * x * x + c, t * x * y - s * z, t * x * z + s * y,
                             t * x * y + s * z, t * y * y + c, t * y * z - s * x,
                             t * x * z - s * y, t * y * z + s * x, t * z * z + c])
    }

    /// The rotation of the unit quaternion (w, x, y, z) (normalized here; q and -q give the same rotation).
    public init(quaternion q: (w: Double, x: Double, y: Double, z: Double)) {
        let n = (q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z).squareRoot()
        precondition(n > 0, "Rotation3: zero quaternion")
        let (w, x, y, z) = (q.w / n, q.x / n, q.y / n, q.z / n)
        self.init(rowMajor: [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
                             2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
                             2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)])
    }

    /// A rotation drawn uniformly (Haar measure) from SO(3): the unit quaternion of four independent standard
    /// normals is uniform on the 3-sphere, and the sphere double-covers SO(3) evenly. Uses four normals of `stream`.
    public static func uniform(_ stream: inout RandomStream) -> Rotation3 {
        var q = (w: stream.normal(), x: stream.normal(), y: stream.normal(), z: stream.normal())
        if q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z < 1e-300 { q = (1, 0, 0, 0) }   // probability ~0
        return Rotation3(quaternion: q)
    }

    public subscript(row: Int, column: Int) -> Double { m[3 * row + column] }

    public var transposed: Rotation3 {
        Rotation3(rowMajor: [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]])
    }

    /// The inverse rotation (its transpose).
    public var inverse: Rotation3 { transposed }

    public var determinant: Double {
        m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6])
    }

    /// The rotation angle in [0, pi]: trace = 1 + 2 cos(angle).
    public var angle: Double { acos(max(-1, min(1, (m[0] + m[4] + m[8] - 1) / 2))) }

    /// Applies the rotation to (x, y, z).
    @inline(__always)
    public func apply(_ x: Double, _ y: Double, _ z: Double) -> (x: Double, y: Double, z: Double) {
        (m[0] * x + m[1] * y + m[2] * z, m[3] * x + m[4] * y + m[5] * z, m[6] * x + m[7] * y + m[8] * z)
    }

    /// The composition `a * b` (apply b first, then a).
    public static func * (a: Rotation3, b: Rotation3) -> Rotation3 {
        var r = [Double](repeating: 0, count: 9)
        for i in 0..<3 { for j in 0..<3 { for k in 0..<3 { r[3 * i + j] += a.m[3 * i + k] * b.m[3 * k + j] } } }
        return Rotation3(rowMajor: r)
    }

    /// Largest absolute entry of R R^T - I (0 for an exact rotation).
    public var orthogonalityError: Double {
        let p = self * transposed
        var e = 0.0
        for i in 0..<3 { for j in 0..<3 { e = max(e, abs(p.m[3 * i + j] - (i == j ? 1 : 0))) } }
        return e
    }
}
