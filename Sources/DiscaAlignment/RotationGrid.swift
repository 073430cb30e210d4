import DiscaGeometry
import Foundation

/// A near-uniform set of rotations covering SO(3): the super-Fibonacci spiral of Alexa (CVPR 2022), n unit
/// quaternions q_i = (r sin a_i, r cos a_i, R sin b_i, R cos b_i) with s = i + 1/2, r = sqrt(s / n),
/// R = sqrt(1 - s / n), a_i = 2 pi s / sqrt(2), b_i = 2 pi s / psi (psi = 1.5337..., the root of x^4 = x + 4).
/// Deterministic (no random stream), so every rank builds the same grid. The mean distance to the nearest grid
/// rotation is about 2.4 / n^(1/3) radians (n = 1000: ~14 degrees; tested in `RotationGridTests`).
public struct RotationGrid: Sendable {
    public let rotations: [Rotation3]

    public init(count n: Int) {
        precondition(n >= 1, "RotationGrid: at least one rotation")
        let phi = 2.0.squareRoot(), psi = 1.533_751_168_755_204_288_118_041
        var out: [Rotation3] = []
        out.reserveCapacity(n)
        for i in 0..<n {
            let s = Double(i) + 0.5
            let r = (s / Double(n)).squareRoot(), big = (1 - s / Double(n)).squareRoot()
            let a = 2 * Double.pi * s / phi, b = 2 * Double.pi * s / psi
            out.append(Rotation3(quaternion: (w: r * sin(a), x: r * cos(a), y: big * sin(b), z: big * cos(b))))
        }
        rotations = out
    }

    public var count: Int { rotations.count }
}
