@testable import DiscaAlignment
import DiscaCore
import DiscaGeometry
import Foundation
import XCTest

final class RefinementTests: XCTestCase {
    /// Three structures (a dumbbell, an L of three blobs, an irregular tetrahedron), 50 noisy copies each at uniformly random orientations (off the grid) and small
    /// shifts, seen through a +-60 degree wedge, start from no labels (one class split at random into four): the
    /// refinement finds the three structures, and 1 and 2 ranks give the same labels.
    func testFindsThreeStructuresFromNoLabelsOnOneAndTwoRanks() throws {
        let n = 12, perClass = 50, classes = 3
        var settings = AlignmentSettings()
        settings.box = n; settings.rotations = 200; settings.maxShift = 1; settings.rounds = 8; settings.threads = 1
        settings.rotationsPerBlock = 50
        let o = settings
        let box = WorkingBox(options: o)
        let wedge = MissingWedge(maxTiltDegrees: 60).mask(cube: n).map(Double.init)
        let structures = (0..<classes).map { Structures.shape($0, n) }
        var particles = [Float](), truth = [Int32]()
        var s = RandomStream(seed: 9, key: RandomKey(.test))
        for i in 0..<(perClass * classes) {
            let c = i % classes
            let moved = structures[c].transformed(
                VolumeTransform(rotation: Rotation3.uniform(&s), shift: (s.uniform() - 0.5, s.uniform() - 0.5, 0)),
                depth: n, height: n, width: n)
            var noisy = moved.data.map { $0 + Float(0.1 * s.normal()) }
            noisy = box.filtered(noisy, wedge)
            particles += noisy.withUnsafeBufferPointer { box.particle($0, box: n) }
            truth.append(Int32(c))
        }
        let total = truth.count
        let all = particles
        let runs = try [1, 2].map { ranks in
            try LocalGroup.run(size: ranks) { comm -> [Int32] in
                let mine = comm.rows(of: total)
                let v = box.voxels
                var refinement = MultiReferenceRefinement(options: o)
                if comm.rank == 0 && ProcessInfo.processInfo.environment["DISCA_TEST_LOG"] != nil { refinement.log = { print($0) } }
                let result = try refinement.run(
                    particles: Array(all[(mine.lowerBound * v)..<(mine.upperBound * v)]),
                    firstRow: mine.lowerBound, totalRows: total,
                    labels: [Int32](repeating: 0, count: mine.count), k: 1, subclasses: 4, seed: 4, comm: comm)
                return result.labels
            }.flatMap { $0 }
        }
        XCTAssertEqual(runs[0], runs[1])
        let found = runs[0]
        // Three classes, and at least 90% of every structure in one of them.
        var table = [[Int]: Int]()
        for (f, t) in zip(found, truth) { table[[Int(f), Int(t)], default: 0] += 1 }
        let foundClasses = Set(found).count
        XCTAssertEqual(foundClasses, classes, "table \(table)")
        for t in 0..<classes {
            let counts = (0..<foundClasses).map { table[[$0, t]] ?? 0 }
            XCTAssertGreaterThanOrEqual(counts.max()!, perClass * 9 / 10, "structure \(t): \(counts)")
        }
    }
}

final class ClassAveragesTests: XCTestCase {
    /// Sums per class and half are the plain sums of the members, whatever the number of threads.
    func testSumsMatchAPlainSumOnOneAndThreeThreads() throws {
        let n = 17, v = 8, k = 3
        var s = RandomStream(seed: 2, key: RandomKey(.test))
        let particles = (0..<(n * v)).map { _ in Float(s.normal()) }
        let labels = (0..<n).map { Int32($0 % k) }
        var plain = [Double](repeating: 0, count: k * 2 * v)
        for i in 0..<n { for j in 0..<v { plain[(Int(labels[i]) * 2 + ((5 + i) & 1)) * v + j] += Double(particles[i * v + j]) } }
        for threads in [1, 3] {
            let a = try ClassAverages(particles: particles, count: n, firstRow: 5, labels: labels, classes: k, voxels: v,
                                      threads: threads, align: nil, comm: SingleProcessCommunicator())
            for j in plain.indices { XCTAssertEqual(a.sums[j], plain[j], accuracy: 1e-9) }
            XCTAssertEqual(a.counts, [6, 6, 5])
        }
    }
}
