import DiscaGeometry
import Foundation

/// A built-in synthetic macromolecule: a union of smooth solid primitives defined in angstrom, centred on its
/// centre of mass when rendered. Density is 1 inside, 0 outside, with a Gaussian-blurred edge:
/// rho(p) = max over primitives of w * erfc(d(p) / (sqrt(2) * edge)) / 2, d the signed distance (negative inside).
/// Sizes are those of real complexes (120-230 angstrom across) so that at 13.33 angstrom per voxel they fill a
/// 24^3 box under any rotation, with detail at 20-40 angstrom.
public struct Phantom: Sendable, Equatable {
    public enum Primitive: Sendable, Equatable {
        /// Solid ball: centre (x, y, z) and radius.
        case ball(center: SIMD3<Double>, radius: Double)
        /// Solid rod with round ends between two points.
        case capsule(from: SIMD3<Double>, to: SIMD3<Double>, radius: Double)
        /// Torus about the z axis through `center`: ring radius and tube radius.
        case torus(center: SIMD3<Double>, ringRadius: Double, tubeRadius: Double)
        /// Hollow cylinder along z: inner and outer radius, half height.
        case tube(center: SIMD3<Double>, innerRadius: Double, outerRadius: Double, halfHeight: Double)
        /// Solid disk (short cylinder) along z.
        case disk(center: SIMD3<Double>, radius: Double, halfThickness: Double)

        /// Signed distance in angstrom from p to the primitive's surface (negative inside).
        public func signedDistance(_ p: SIMD3<Double>) -> Double {
            switch self {
            case let .ball(c, r):
                return length(p - c) - r
            case let .capsule(a, b, r):
                let ab = b - a, t = max(0, min(1, dot(p - a, ab) / dot(ab, ab)))
                return length(p - (a + t * ab)) - r
            case let .torus(c, ring, tube):
                let q = p - c
                let radial = (q.x * q.x + q.y * q.y).squareRoot() - ring
                return (radial * radial + q.z * q.z).squareRoot() - tube
            case let .tube(c, inner, outer, h):
                let q = p - c, d = (q.x * q.x + q.y * q.y).squareRoot()
                return boxDistance(max(inner - d, d - outer), abs(q.z) - h)
            case let .disk(c, r, t):
                let q = p - c, d = (q.x * q.x + q.y * q.y).squareRoot()
                return boxDistance(d - r, abs(q.z) - t)
            }
        }
    }

    public let name: String
    public let primitives: [Primitive]
    /// Width (standard deviation, angstrom) of the Gaussian blur of the surface.
    public let edgeAngstrom: Double

    public init(name: String, primitives: [Primitive], edgeAngstrom: Double = 6) {
        self.name = name; self.primitives = primitives; self.edgeAngstrom = edgeAngstrom
    }

    /// Density at p (angstrom, relative to the phantom's own origin).
    public func density(_ p: SIMD3<Double>) -> Double {
        var d = Double.infinity
        for primitive in primitives { d = min(d, primitive.signedDistance(p)) }
        return 0.5 * erfc(d / (2.0.squareRoot() * edgeAngstrom))
    }

    /// Renders an n^3 map at `voxelSizeAngstrom` with the phantom's centre of mass at the box centre.
    public func render(cube n: Int, voxelSizeAngstrom v: Double) -> Volume {
        let first = render(cube: n, voxelSizeAngstrom: v, offset: SIMD3(0, 0, 0))
        guard let com = first.centerOfMass() else { return first }
        let c = Double(n - 1) / 2
        let offset = SIMD3((com.x - c) * v, (com.y - c) * v, (com.z - c) * v)
        return render(cube: n, voxelSizeAngstrom: v, offset: offset)
    }

    /// Voxel (z, y, x) holds density(position - box centre + offset), all in angstrom.
    func render(cube n: Int, voxelSizeAngstrom v: Double, offset: SIMD3<Double>) -> Volume {
        let c = Double(n - 1) / 2
        return Volume(depth: n, height: n, width: n) { z, y, x in
            Float(density(SIMD3((Double(x) - c) * v, (Double(y) - c) * v, (Double(z) - c) * v) + offset))
        }
    }
}

@inline(__always) private func dot(_ a: SIMD3<Double>, _ b: SIMD3<Double>) -> Double { (a * b).sum() }
@inline(__always) private func length(_ a: SIMD3<Double>) -> Double { dot(a, a).squareRoot() }

/// Signed distance to the intersection of two slabs given their two signed distances (exact outside and inside).
@inline(__always) private func boxDistance(_ a: Double, _ b: Double) -> Double {
    let outside = (max(a, 0) * max(a, 0) + max(b, 0) * max(b, 0)).squareRoot()
    return outside + min(max(a, b), 0)
}

extension Phantom {
    /// A ring (torus): 184 angstrom across, 44 thick; like a chaperonin ring seen alone.
    public static let ring = Phantom(name: "ring", primitives: [
        .torus(center: SIMD3(0, 0, 0), ringRadius: 70, tubeRadius: 22)])

    /// A barrel: hollow cylinder 116 angstrom wide and 140 long, with two smaller caps (proteasome-like).
    public static let barrel = Phantom(name: "barrel", primitives: [
        .tube(center: SIMD3(0, 0, 0), innerRadius: 30, outerRadius: 58, halfHeight: 70),
        .disk(center: SIMD3(0, 0, 80), radius: 42, halfThickness: 12),
        .disk(center: SIMD3(0, 0, -80), radius: 42, halfThickness: 12)])

    /// Two unequal lobes, 104 and 68 angstrom across, fused (ribosome-like).
    public static let dumbbell = Phantom(name: "dumbbell", primitives: [
        .ball(center: SIMD3(0, 0, -30), radius: 52),
        .ball(center: SIMD3(0, 0, 52), radius: 34)])

    /// An elongated rod, 228 angstrom long and 48 thick (filament segment).
    public static let rod = Phantom(name: "rod", primitives: [
        .capsule(from: SIMD3(0, 0, -90), to: SIMD3(0, 0, 90), radius: 24)])

    /// Four blobs at the corners of a tetrahedron around a small core (a tetrameric complex), 135 angstrom across.
    public static let tetrahedron: Phantom = {
        let s = 45 / 3.0.squareRoot()
        let corners: [SIMD3<Double>] = [SIMD3(s, s, s), SIMD3(s, -s, -s), SIMD3(-s, s, -s), SIMD3(-s, -s, s)]
        return Phantom(name: "tetrahedron",
                       primitives: corners.map { .ball(center: $0, radius: 22) }
                           + [.ball(center: SIMD3(0, 0, 0), radius: 20)])
    }()

    /// Two rods at a right angle, arms 120 and 90 angstrom (an L-shaped, chiral-looking particle).
    public static let lShape = Phantom(name: "lshape", primitives: [
        .capsule(from: SIMD3(-45, -35, 0), to: SIMD3(75, -35, 0), radius: 20),
        .capsule(from: SIMD3(-45, -35, 0), to: SIMD3(-45, 55, 0), radius: 20),
        .ball(center: SIMD3(-45, -35, 0), radius: 26)])

    /// Every built-in phantom, in a fixed order.
    public static let all: [Phantom] = [ring, barrel, dumbbell, rod, tetrahedron, lShape]

    /// The default five classes (the paper also used five).
    public static let defaultSet: [Phantom] = [ring, barrel, dumbbell, rod, tetrahedron]

    public static func named(_ name: String) -> Phantom? { all.first { $0.name == name.lowercased() } }
}
