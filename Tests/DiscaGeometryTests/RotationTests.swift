import DiscaCore
@testable import DiscaGeometry
import Foundation
import XCTest

final class RotationTests: XCTestCase {
    private func randomRotations(_ n: Int, seed: UInt64 = 7) -> [Rotation3] {
        (0..<n).map { i in
            var s = RandomStream(seed: seed, key: RandomKey(.simulation, iteration: 0, item: i))
            return Rotation3.uniform(&s)
        }
    }

    /// Kolmogorov-Smirnov distance between the sample and the CDF F(theta) = (theta - sin theta) / pi of the
    /// rotation angle of a Haar-uniform rotation (density (1 - cos theta) / pi on [0, pi]).
    private func ksDistance(_ angles: [Double]) -> Double {
        let sorted = angles.sorted()
        let n = Double(sorted.count)
        var d = 0.0
        for (i, t) in sorted.enumerated() {
            let f = (t - sin(t)) / Double.pi
            d = max(d, abs(Double(i + 1) / n - f), abs(f - Double(i) / n))
        }
        return d
    }

    func testUniformRotationsAreProperOrthogonal() {
        for r in randomRotations(500) {
            XCTAssertEqual(r.determinant, 1, accuracy: 1e-12)
            XCTAssertLessThan(r.orthogonalityError, 1e-12)
        }
    }

    func testAngleDistributionMatchesHaarDensity() {
        let n = 4000
        let d = ksDistance(randomRotations(n).map(\.angle))
        // Critical value at alpha = 0.001 is 1.95 / sqrt(n) = 0.031.
        XCTAssertLessThan(d, 1.95 / Double(n).squareRoot(), "KS distance \(d)")
        // The test has power: angles uniform on [0, pi] (a common mistake) are rejected.
        var s = RandomStream(seed: 1, key: RandomKey(.test))
        let wrong = (0..<n).map { _ in s.uniform() * Double.pi }
        XCTAssertGreaterThan(ksDistance(wrong), 3 / Double(n).squareRoot())
    }

    func testRotatedAxisIsUniformOnTheSphere() {
        // The image of e_z is uniform on the sphere: mean ~ 0 and each coordinate has second moment 1/3.
        let images = randomRotations(3000, seed: 9).map { $0.apply(0, 0, 1) }
        let n = Double(images.count)
        let mean = images.reduce((0.0, 0.0, 0.0)) { ($0.0 + $1.x, $0.1 + $1.y, $0.2 + $1.z) }
        XCTAssertLessThan(abs(mean.0 / n), 0.05); XCTAssertLessThan(abs(mean.1 / n), 0.05)
        XCTAssertLessThan(abs(mean.2 / n), 0.05)
        let zz = images.reduce(0.0) { $0 + $1.z * $1.z } / n
        XCTAssertEqual(zz, 1.0 / 3, accuracy: 0.03)
    }

    func testSameSeedAndIndexGiveSameRotation() {
        var a = RandomStream(seed: 3, key: RandomKey(.simulation, item: 42))
        var b = RandomStream(seed: 3, key: RandomKey(.simulation, item: 42))
        var c = RandomStream(seed: 3, key: RandomKey(.simulation, item: 43))
        let ra = Rotation3.uniform(&a), rb = Rotation3.uniform(&b), rc = Rotation3.uniform(&c)
        XCTAssertEqual(ra, rb)
        XCTAssertNotEqual(ra, rc)
    }

    func testAxisAngleAndQuaternionAgree() {
        let r1 = Rotation3(axis: (1, 2, 2), angle: 0.7)
        let half = 0.35, s = sin(half) / 3
        let r2 = Rotation3(quaternion: (cos(half), 1 * s, 2 * s, 2 * s))
        for k in 0..<9 { XCTAssertEqual(r1.m[k], r2.m[k], accuracy: 1e-12) }
        XCTAssertEqual(r1.angle, 0.7, accuracy: 1e-12)
        let p = Rotation3(axis: (0, 0, 1), angle: Double.pi / 2).apply(1, 0, 0)   // right-handed: x -> y
        XCTAssertEqual(p.x, 0, accuracy: 1e-15); XCTAssertEqual(p.y, 1, accuracy: 1e-15)
    }
}
