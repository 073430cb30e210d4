@testable import DiscaAlignment
import DiscaCore
import DiscaGeometry
import XCTest

/// Synthetic structures for alignment tests: a few Gaussian blobs at asymmetric places (no rotational symmetry).
enum Structures {
    static func make(_ n: Int, seed: Int) -> Volume {
        var s = RandomStream(seed: UInt64(seed), key: RandomKey(.test, item: seed))
        var v = Volume(cube: n)
        let r = Double(n) / 4
        for b in 0..<4 {
            let p = (z: (s.uniform() - 0.5) * 2 * r, y: (s.uniform() - 0.5) * 2 * r, x: (s.uniform() - 0.5) * 2 * r)
            let g = Volume.gaussian(cube: n, sigma: 0.9 + 0.2 * Double(b), dz: p.z, dy: p.y, dx: p.x)
            for i in v.data.indices { v.data[i] += g.data[i] }
        }
        return v
    }

    /// Distinct shapes of Gaussian blobs (sigma 1.2): 0 a dumbbell, 1 an L of three blobs, 2 an irregular
    /// tetrahedron; blob offsets in voxels from the centre (z, y, x).
    static func shape(_ index: Int, _ n: Int) -> Volume {
        let places: [[(Double, Double, Double)]] = [
            [(0, 0, -2.5), (0, 0, 2.5)],
            [(0, -2, -2), (0, -2, 2), (0, 2, 2)],
            [(-1.5, -1.5, -1.5), (1.5, 1.5, -1.5), (1.5, -1.5, 2), (-1.5, 2, 0.5)],
        ]
        var v = Volume(cube: n)
        for p in places[index] {
            let g = Volume.gaussian(cube: n, sigma: 1.2, dz: p.0, dy: p.1, dx: p.2)
            for i in v.data.indices { v.data[i] += g.data[i] }
        }
        return v
    }

    static func correlation(_ a: [Float], _ b: [Float]) -> Double {
        let ma = a.reduce(0, +) / Float(a.count), mb = b.reduce(0, +) / Float(b.count)
        var ab = 0.0, aa = 0.0, bb = 0.0
        for i in a.indices {
            let x = Double(a[i] - ma), y = Double(b[i] - mb)
            ab += x * y; aa += x * x; bb += y * y
        }
        return ab / (aa * bb).squareRoot()
    }
}

final class PoseSearchTests: XCTestCase {
    func settings(box: Int = 12, rotations: Int = 60, tilt: Double = 60) -> AlignmentSettings {
        var o = AlignmentSettings()
        o.box = box; o.rotations = rotations; o.tiltDegrees = tilt; o.maxShift = 1; o.rotationsPerBlock = 16
        o.threads = 2
        return o
    }

    func testShiftMovesContentAndFillsWithZero() {
        let box = WorkingBox(options: settings(box: 4))
        let x = (0..<64).map { Float($0) }
        var out = [Float](repeating: -1, count: 64)
        out.withUnsafeMutableBufferPointer { box.shifted(x, by: (x: 1, y: 0, z: -1), into: $0.baseAddress!) }
        for z in 0..<4 { for y in 0..<4 { for xx in 0..<4 {
            let sz = z + 1, sx = xx - 1
            let want: Float = sz < 4 && sx >= 0 ? x[(sz * 4 + y) * 4 + sx] : 0
            XCTAssertEqual(out[(z * 4 + y) * 4 + xx], want)
        } } }
    }

    /// A subtomogram that is exactly one of the templates (grid rotation 17, shift (1, 0, -1), through the wedge)
    /// is found at that pose with score 1 (less the little the shift pushes past the box edge), and no other
    /// hypothesis scores as high.
    func testSearchFindsTheExactPose() {
        let o = settings()
        let box = WorkingBox(options: o), grid = RotationGrid(count: o.rotations)
        let search = PoseSearch(options: o, workingBox: box, grid: grid)
        let reference = Structures.make(12, seed: 1)
        let unit = box.template(reference, rotation: grid.rotations[17])
        var particle = [Float](repeating: 0, count: box.voxels)
        let shiftIndex = o.shifts.firstIndex { $0 == (x: 1, y: 0, z: -1) }!
        particle.withUnsafeMutableBufferPointer { box.shifted(unit, by: o.shifts[shiftIndex], into: $0.baseAddress!) }
        let other = Structures.make(12, seed: 2)
        let m = search.search(particles: particle, count: 1, references: [other, reference])
        XCTAssertEqual(m[1].rotation, 17)
        XCTAssertEqual(Int(m[1].shift), shiftIndex)
        XCTAssertEqual(m[1].score, 1, accuracy: 2e-3)
        XCTAssertLessThan(m[0].score, 0.95)
    }

    /// `aligned` undoes a rotation and shift: a copy of the reference rotated by a grid rotation and moved comes
    /// back onto the reference.
    func testAlignedUndoesTheRotationAndShift() {
        let o = settings(tilt: 90)
        let box = WorkingBox(options: o), grid = RotationGrid(count: o.rotations)
        let search = PoseSearch(options: o, workingBox: box, grid: grid)
        let reference = Structures.make(12, seed: 3)
        let r = grid.rotations[41]
        let moved = reference.transformed(VolumeTransform(rotation: r, shift: (1, -1, 0)), depth: 12, height: 12,
                                          width: 12)
        let shiftIndex = o.shifts.firstIndex { $0 == (x: 1, y: -1, z: 0) }!
        let back = search.aligned(moved.data, match: PoseMatch(score: 1, rotation: 41, shift: Int32(shiftIndex)))
        XCTAssertGreaterThan(Structures.correlation(back, reference.data), 0.97)
        XCTAssertLessThan(Structures.correlation(moved.data, reference.data), 0.9)
    }

    /// Ashman's D of the members' score differences: one structure split at random gives about 2.7 (the two halves
    /// of one normal); two structures whose members prefer their own average by 6 noise units give far more.
    func testSeparationTellsOneStructureFromTwo() throws {
        var s = RandomStream(seed: 5, key: RandomKey(.test))
        let n = 4000
        var one = [PoseMatch](), oneLabels = [Int32](), two = [PoseMatch](), twoLabels = [Int32]()
        for i in 0..<n {
            let a = Float(s.normal()), b = Float(s.normal())
            one += [PoseMatch(score: a, rotation: 0, shift: 0), PoseMatch(score: b, rotation: 0, shift: 0)]
            oneLabels.append(a >= b ? 0 : 1)
            let own = Float(6 + s.normal()), otherScore = Float(s.normal())
            let label = Int32(i % 2)
            two += label == 0 ? [PoseMatch(score: own, rotation: 0, shift: 0), PoseMatch(score: otherScore, rotation: 0, shift: 0)]
                : [PoseMatch(score: otherScore, rotation: 0, shift: 0), PoseMatch(score: own, rotation: 0, shift: 0)]
            twoLabels.append(label)
        }
        let comm = SingleProcessCommunicator()
        let dOne = try MultiReferenceRefinement.separations(one, labels: oneLabels, classes: 2, comm: comm)[1]
        let dTwo = try MultiReferenceRefinement.separations(two, labels: twoLabels, classes: 2, comm: comm)[1]
        XCTAssertEqual(dOne, 2 * 0.7979 / 0.6028, accuracy: 0.15)   // 2 E|z| / SD|z| for z ~ N(0, 1)
        XCTAssertGreaterThan(dTwo, 7)
        XCTAssertEqual(MultiReferenceRefinement.mergePairs([0, dOne, dOne, 0], classes: 2, threshold: 4), [[0, 1]])
        XCTAssertEqual(MultiReferenceRefinement.mergePairs([0, dTwo, dTwo, 0], classes: 2, threshold: 4), [[0], [1]])
    }
}
