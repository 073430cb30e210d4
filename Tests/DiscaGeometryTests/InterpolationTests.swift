import DiscaCore
@testable import DiscaGeometry
import Foundation
import XCTest

final class InterpolationTests: XCTestCase {
    /// A Gaussian blob of width `sigma` voxels at offset (dz, dy, dx) from the box centre.
    func testTrilinearIsExactOnLinearFunctions() {
        let v = Volume(depth: 4, height: 5, width: 6) { z, y, x in Float(3 * z - 2 * y + x) + 0.5 }
        XCTAssertEqual(v.trilinear(z: 1.25, y: 2.5, x: 3.75), Float(3 * 1.25 - 2 * 2.5 + 3.75 + 0.5), accuracy: 1e-5)
        XCTAssertEqual(v.trilinear(z: 3, y: 4, x: 5), v[3, 4, 5])
        XCTAssertEqual(v.trilinear(z: -5, y: 0, x: 0, fill: 9), 9)
    }

    func testFastTransformMatchesReference() {
        var s = RandomStream(seed: 5, key: RandomKey(.test))
        let v = Volume(depth: 7, height: 6, width: 5) { _, _, _ in Float(s.normal()) }
        var rs = RandomStream(seed: 5, key: RandomKey(.simulation))
        let t = VolumeTransform(rotation: Rotation3.uniform(&rs), shift: (0.3, -1.2, 0.7), scale: 0.8)
        let fast = v.transformed(t, depth: 8, height: 9, width: 7, fill: -2)
        let slow = v.transformedReference(t, depth: 8, height: 9, width: 7, fill: -2)
        for i in fast.data.indices { XCTAssertEqual(fast.data[i], slow.data[i], accuracy: 1e-5) }
        XCTAssertTrue(fast.data.contains(-2), "some voxels come from outside")
    }

    /// A quarter turn about z maps the grid onto itself: content at +x from the centre moves to +y exactly.
    func testQuarterTurnAboutZIsAnExactPermutation() {
        let n = 6
        var s = RandomStream(seed: 8, key: RandomKey(.test))
        let v = Volume(depth: n, height: n, width: n) { _, _, _ in Float(s.normal()) }.data
        let vol = Volume(depth: n, height: n, width: n, data: v)
        let r = vol.rotated(by: Rotation3(axis: (0, 0, 1), angle: Double.pi / 2))
        let c = Double(n - 1) / 2
        for z in 0..<n { for y in 0..<n { for x in 0..<n {
            // out(p) = in(R^T p): R^T (x, y) = (y, -x) about the centre.
            let sx = Int((c + (Double(y) - c)).rounded()), sy = Int((c - (Double(x) - c)).rounded())
            XCTAssertEqual(r[z, y, x], vol[z, sy, sx], accuracy: 1e-5)
        } } }
        let blob = Volume.gaussian(cube: 9, sigma: 1, dx: 2)
        let before = blob.centerOfMass()!, after = blob.rotated(by: Rotation3(axis: (0, 0, 1), angle: .pi / 2)).centerOfMass()!
        XCTAssertGreaterThan(before.x - 4, 1.9)
        XCTAssertEqual(after.y - 4, before.x - 4, accuracy: 1e-4); XCTAssertEqual(after.x - 4, 0, accuracy: 1e-4)
    }

    func testShiftMovesCentreOfMass() {
        let v = Volume.gaussian(cube: 16, sigma: 2)
        let moved = v.transformed(VolumeTransform(shift: (1.5, -2, 0.5)), depth: 16, height: 16, width: 16)
        let com = moved.centerOfMass()!
        XCTAssertEqual(com.x - 7.5, 1.5, accuracy: 0.02); XCTAssertEqual(com.y - 7.5, -2, accuracy: 0.02)
        XCTAssertEqual(com.z - 7.5, 0.5, accuracy: 0.02)
    }

    /// Rotating by R and back by R^-1 returns a smooth map up to interpolation blur.
    func testRotationThenInverseReturnsSmoothMap() {
        let v = Volume.gaussian(cube: 20, sigma: 2.5, dz: 1, dy: -2, dx: 3)
        var s = RandomStream(seed: 21, key: RandomKey(.simulation))
        let r = Rotation3.uniform(&s)
        let back = v.rotated(by: r).rotated(by: r.inverse)
        var num = 0.0, den = 0.0
        for i in v.data.indices { num += pow(Double(back.data[i] - v.data[i]), 2); den += pow(Double(v.data[i]), 2) }
        XCTAssertLessThan((num / den).squareRoot(), 0.08)   // two trilinear passes blur a sigma-2.5 blob by ~5%
        let once = v.rotated(by: r)
        var moved = 0.0
        for i in v.data.indices { moved += pow(Double(once.data[i] - v.data[i]), 2) }
        XCTAssertGreaterThan((moved / den).squareRoot(), 0.5, "the rotation itself moved the blob")
    }

    func testNoiseFillReplacesOnlyOutsideVoxels() {
        let v = Volume(cube: 10, repeating: 3)
        var s = RandomStream(seed: 2, key: RandomKey(.rotation))
        let r = Rotation3(axis: (1, 1, 0), angle: 0.8)
        let filled = v.rotated(by: r, noiseFill: &s)
        let zeroFilled = v.rotated(by: r, fill: 0)
        var outside = 0
        for i in filled.data.indices {
            if zeroFilled.data[i] == 0 { outside += 1; XCTAssertNotEqual(filled.data[i], 3) }
            else { XCTAssertEqual(filled.data[i], 3, accuracy: 1e-5) }
        }
        XCTAssertGreaterThan(outside, 50)
        let noise = filled.data.filter { $0 != 3 && abs($0 - 3) > 1e-4 }
        let (mean, variance) = Volume.meanAndVariance(noise)
        XCTAssertEqual(mean, 0, accuracy: 0.3); XCTAssertEqual(variance, 1, accuracy: 0.35)
    }
}
