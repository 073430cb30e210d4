import DiscaCore
import DiscaSimulation
import DiscaGeometry
import Foundation
import XCTest

final class PhantomTests: XCTestCase {
    /// Rendered at 6.665 angstrom on 48^3 (the simulator's grid for box 24 at 13.33): centred, inside the sphere
    /// that any rotation and shift keeps in the 320 angstrom box, and of the documented size.
    func testPhantomsAreCentredAndFitTheBox() {
        let v = 13.33 / 2, n = 48
        for phantom in Phantom.all {
            let map = phantom.render(cube: n, voxelSizeAngstrom: v)
            let com = map.centerOfMass()!
            XCTAssertEqual(com.x, 23.5, accuracy: 0.05, phantom.name)
            XCTAssertEqual(com.y, 23.5, accuracy: 0.05, phantom.name)
            XCTAssertEqual(com.z, 23.5, accuracy: 0.05, phantom.name)
            var maxRadius = 0.0
            for z in 0..<n { for y in 0..<n { for x in 0..<n where map[z, y, x] > 0.5 {
                let r = ((Double(x) - 23.5) * (Double(x) - 23.5) + (Double(y) - 23.5) * (Double(y) - 23.5)
                         + (Double(z) - 23.5) * (Double(z) - 23.5)).squareRoot() * v
                maxRadius = max(maxRadius, r)
            } } }
            XCTAssertLessThan(maxRadius, 125, phantom.name)    // 160 A half box - 2 voxels of shift - edge
            XCTAssertGreaterThan(maxRadius, 55, phantom.name)
            XCTAssertGreaterThan(map.sum, 300, phantom.name)   // > 88,000 A^3 of protein
        }
    }

    func testSignedDistances() {
        XCTAssertEqual(Phantom.Primitive.ball(center: SIMD3(1, 0, 0), radius: 2).signedDistance(SIMD3(4, 0, 0)), 1)
        XCTAssertEqual(Phantom.Primitive.torus(center: SIMD3(0, 0, 0), ringRadius: 10, tubeRadius: 2)
            .signedDistance(SIMD3(0, 10, 0)), -2)
        XCTAssertEqual(Phantom.Primitive.tube(center: SIMD3(0, 0, 0), innerRadius: 3, outerRadius: 5, halfHeight: 4)
            .signedDistance(SIMD3(0, 0, 0)), 3)                 // the axis of a hollow cylinder is outside
        XCTAssertEqual(Phantom.Primitive.capsule(from: SIMD3(0, 0, -5), to: SIMD3(0, 0, 5), radius: 1)
            .signedDistance(SIMD3(0, 3, 8)), 18.0.squareRoot() - 1, accuracy: 1e-12)   // nearest: the end (0, 0, 5)
        XCTAssertEqual(Phantom.ring.density(SIMD3(70, 0, 0)), 1, accuracy: 1e-3)   // 22 A inside a 6 A edge
        XCTAssertEqual(Phantom.ring.density(SIMD3(0, 0, 0)), 0, accuracy: 1e-6)
    }

    /// The classes are clearly different: the best normalized correlation between any two of them over a set of
    /// rotations stays well below 1.
    func testPhantomsAreDistinct() {
        let n = 24, v = 13.33
        let maps = Phantom.all.map { $0.render(cube: n, voxelSizeAngstrom: v).normalized() }
        var stream = RandomStream(seed: 1, key: RandomKey(.test))
        let rotations = (0..<24).map { _ in Rotation3.uniform(&stream) }
        for i in maps.indices {
            for j in maps.indices where j > i {
                var best = -1.0
                for r in rotations {
                    let b = maps[j].rotated(by: r).normalized()
                    let c = zip(maps[i].data, b.data).reduce(0.0) { $0 + Double($1.0 * $1.1) } / Double(maps[i].count)
                    best = max(best, c)
                }
                XCTAssertLessThan(best, 0.9, "\(Phantom.all[i].name) vs \(Phantom.all[j].name)")
            }
        }
    }

    func testNamesAndDefaultSet() {
        XCTAssertEqual(Phantom.defaultSet.map(\.name), ["ring", "barrel", "dumbbell", "rod", "tetrahedron"])
        XCTAssertEqual(Set(Phantom.all.map(\.name)).count, Phantom.all.count)
        XCTAssertEqual(Phantom.named("Rod")?.name, "rod")
        XCTAssertNil(Phantom.named("cube"))
    }
}
