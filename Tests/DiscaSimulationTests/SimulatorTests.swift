import DiscaCore
import DiscaIO
import DiscaSimulation
import DiscaGeometry
import Foundation
import XCTest

final class SimulatorTests: XCTestCase {
    private func simulator(seed: UInt64 = 5, perClass: Int = 4, box: Int = 12, snr: Double = 0.1) -> Simulator {
        var p = ImagingParameters()
        p.box = box; p.snr = snr; p.voxelSizeAngstrom = 26.66   // a small box still holds the phantoms
        p.maxShiftVoxels = 1
        let classes = [Phantom.ring, Phantom.rod, Phantom.dumbbell].map { SimulationClass(phantom: $0, parameters: p) }
        return Simulator(classes: classes, perClass: perClass, parameters: p, seed: seed)
    }

    func testLabelsAreBalancedShuffledAndSeeded() {
        let a = simulator(perClass: 20), b = simulator(perClass: 20), c = simulator(seed: 6, perClass: 20)
        XCTAssertEqual(a.count, 60)
        for k in 0..<3 { XCTAssertEqual(a.labels.filter { $0 == k }.count, 20) }
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertNotEqual(a.labels, c.labels)
        XCTAssertNotEqual(a.labels, a.labels.sorted(), "shuffled")
        XCTAssertEqual(a.classNames, ["ring", "rod", "dumbbell"])
    }

    /// Subtomogram i depends only on (seed, i): the same in another simulator, in any order, on any thread.
    func testSubtomogramIsPureFunctionOfSeedAndIndex() {
        let a = simulator(), b = simulator()
        let later = b.subtomogram(7)
        XCTAssertEqual(a.subtomogram(7).data, later.data)
        XCTAssertEqual(a.subtomogram(7).label, a.labels[7])
        XCTAssertNotEqual(a.subtomogram(6).data, later.data)
        XCTAssertNotEqual(simulator(seed: 99).subtomogram(7).data, later.data)
        let size = 12 * 12 * 12
        var serial = [Float](repeating: 0, count: 5 * size), threaded = serial
        serial.withUnsafeMutableBufferPointer { a.fill(rows: 3..<8, into: $0, threads: 1) }
        threaded.withUnsafeMutableBufferPointer { b.fill(rows: 3..<8, into: $0, threads: 2) }
        XCTAssertEqual(serial, threaded)
        XCTAssertEqual(Array(serial[(4 * size)..<(5 * size)]), a.subtomogram(7).data)
    }

    func testSubtomogramsAreNormalizedAndFinite() {
        let s = simulator()
        for i in 0..<s.count {
            let v = s.subtomogram(i).data
            XCTAssertTrue(v.allSatisfy(\.isFinite))
            let (mean, variance) = Volume.meanAndVariance(v)
            XCTAssertEqual(mean, 0, accuracy: 1e-5); XCTAssertEqual(variance, 1, accuracy: 1e-4)
        }
    }

    /// The clean signal holds the particle near the box centre (shifted by at most 1 voxel per axis), and the noise
    /// is white N(0, 1).
    func testCleanSignalHoldsTheParticle() {
        let s = simulator(snr: .infinity)
        for i in 0..<s.count {
            let (signal, noise) = s.cleanSignalAndNoise(i)
            let v = Volume(depth: 12, height: 12, width: 12, data: signal)
            XCTAssertGreaterThan(v.sum, 5, "particle inside the box")
            let com = v.centerOfMass()!
            XCTAssertEqual(com.x, 5.5, accuracy: 1.8); XCTAssertEqual(com.z, 5.5, accuracy: 1.8)   // shift <= 1
            XCTAssertEqual(Volume.meanAndVariance(noise).variance, 1, accuracy: 0.15)
        }
    }

    func testFittingVoxelSize() {
        XCTAssertEqual(ClassSource.fittingVoxelSize(radiiAngstrom: [100, 120], box: 24, maxShiftVoxels: 2), 13.33)
        XCTAssertEqual(ClassSource.fittingVoxelSize(radiiAngstrom: [100, 190], box: 24, maxShiftVoxels: 2), 20)
        XCTAssertEqual(ClassSource.fittingVoxelSize(radiiAngstrom: [100], box: 12, maxShiftVoxels: 0.5), 20)
        // Every built-in phantom fits the paper's 24^3 box at 13.33 A.
        let radii = Phantom.defaultSet.map { ClassSource.phantom($0).extentRadiusAngstrom() }
        XCTAssertEqual(ClassSource.fittingVoxelSize(radiiAngstrom: radii, box: 24, maxShiftVoxels: 2), 13.33)
        XCTAssertGreaterThan(radii.max()!, 100)
    }

    func testBadStructureFilesAreBadInput() throws {
        let dir = try makeTemporaryFolder(self)
        let flat = dir.appendingPathComponent("flat.mrc").path
        try MRCFile.write(flat, data: [Float](repeating: 2, count: 27), shape: [3, 3, 3], voxelSizeAngstrom: 5)
        assertBadInput([flat, "constant"]) { _ = try ClassSource.mrc(flat) }
        let box = dir.appendingPathComponent("box.mrc").path
        try MRCFile.write(box, data: (0..<24).map(Float.init), shape: [2, 3, 4], voxelSizeAngstrom: 5)
        assertBadInput([box, "cubic"]) { _ = try ClassSource.mrc(box) }
        let ok = dir.appendingPathComponent("Good.MRC").path
        try MRCFile.write(ok, data: (0..<27).map(Float.init), shape: [3, 3, 3], voxelSizeAngstrom: 5)
        XCTAssertEqual(try ClassSource.mrc(ok).name, "Good")
    }

    /// The ten real maps (shared/data/structures), when present: read, resampled from 10 to 13.33 angstrom, imaged.
    func testRealStructuresWhenPresent() throws {
        guard let folder = sharedStructuresFolder() else { throw XCTSkip("shared/data/structures not present") }
        var p = ImagingParameters()
        p.box = 24
        let sources = try ["1bxn_assembly1", "4v4r"].map { try ClassSource.mrc(folder.appendingPathComponent("\($0).mrc").path) }
        let radii = sources.map { $0.extentRadiusAngstrom() }
        XCTAssertEqual(radii[0], 77, accuracy: 3)                   // RuBisCO; numpy on the same map: 77
        XCTAssertEqual(radii[1], 160, accuracy: 3)                  // ribosome: 160
        // At the default box the ribosome does not fit at 13.33 A: the fitted voxel size is 160 / 9.5.
        XCTAssertEqual(ClassSource.fittingVoxelSize(radiiAngstrom: radii, box: 24, maxShiftVoxels: 2),
                       radii[1] / 9.5, accuracy: 1e-9)
        let classes = sources.map { $0.prepare(p) }
        XCTAssertEqual(classes.map(\.name), ["1bxn_assembly1", "4v4r"])
        XCTAssertEqual(classes[0].map.voxelSizeAngstrom, 480.0 / 75, accuracy: 1e-9)   // 48 x 10 A padded to 75 >= 72.02
        let s = Simulator(classes: classes, perClass: 1, parameters: p, seed: 1)
        for i in 0..<2 {
            let v = s.subtomogram(i).data
            XCTAssertEqual(v.count, 24 * 24 * 24)
            XCTAssertTrue(v.allSatisfy(\.isFinite))
        }
    }
}
