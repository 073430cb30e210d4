import DiscaCore
import DiscaIO
@testable import DiscaNetwork
@testable import DiscaTraining
import Foundation
import XCTest

/// Save and load through HDF5: everything comes back (parameters, statistics, optimizer state, head), and a
/// loaded model computes what the saved one did and trains on identically.
final class ModelFileTests: XCTestCase {
    func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("disca-model-\(UUID().uuidString).h5").path
    }

    func testRoundTrip() throws {
        let m = try SmallModel.make(classes: 3, threads: 1)
        let comm = SingleProcessCommunicator()
        let a = SmallModel.architecture
        let x = SmallModel.normal(4 * a.inputVoxels, seed: 3)
        let t = SmallModel.targets(labels: [0, 1, 2, 0], classes: 3, smoothing: 0.1)
        try m.trainStep(inputs: x, targets: t, sampleIndices: [0, 1, 2, 3], noiseKey: RandomKey(.dropout, iteration: 0), seed: 1, comm: comm)
        m.applyUpdate(learningRate: 1e-3)
        m.dropoutRate = 0.3
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try HDF5File.create(path)
        try m.save(to: file, group: "/checkpoint/model")
        try file.close()

        let loaded = try YOPOModel.load(from: try HDF5File.open(path), group: "/checkpoint/model", threads: 1)
        XCTAssertEqual(loaded.architecture, a)
        XCTAssertEqual(loaded.parameters.array, m.parameters.array)
        XCTAssertEqual(loaded.statistics.array, m.statistics.array)
        XCTAssertEqual(loaded.optimizer.state.array, m.optimizer.state.array)
        XCTAssertEqual(loaded.head.parameters.array, m.head.parameters.array)
        XCTAssertEqual(loaded.head.optimizer.state.array, m.head.optimizer.state.array)
        XCTAssertEqual(loaded.optimizer.iterations, 1)
        XCTAssertEqual(loaded.optimizer.epsilon, m.optimizer.epsilon)
        XCTAssertEqual(loaded.dropoutRate, 0.3)
        XCTAssertEqual(try loaded.extractFeatures(x), try m.extractFeatures(x))
        // Resuming: the next step is the same for the original and the loaded model.
        let l1 = try m.trainStep(inputs: x, targets: t, sampleIndices: [0, 1, 2, 3], noiseKey: RandomKey(.dropout, iteration: 1), seed: 1, comm: comm)
        let l2 = try loaded.trainStep(inputs: x, targets: t, sampleIndices: [0, 1, 2, 3], noiseKey: RandomKey(.dropout, iteration: 1), seed: 1, comm: comm)
        m.applyUpdate(learningRate: 1e-3)
        loaded.applyUpdate(learningRate: 1e-3)
        XCTAssertEqual(l1, l2)
        XCTAssertEqual(loaded.parameters.array, m.parameters.array)
        // The layout attribute lists every tensor.
        let layout = try HDF5File.open(path).stringAttribute("layout", on: "/checkpoint/model")
        XCTAssertTrue(layout.contains("\"conv2/kernel\""))
        XCTAssertTrue(layout.contains("\"head/bias\""))
    }

    func testMissingOrMismatchedModelIsBadInput() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let m = try SmallModel.make(classes: 2, threads: 1)
        let file = try HDF5File.create(path)
        try m.save(to: file)
        // A parameter buffer of the wrong size.
        try file.write("/model/parameters", [Float](repeating: 0, count: 7), shape: [7])
        try file.close()
        let reopened = try HDF5File.open(path)
        for (group, needle) in [("/nothing", "no stored model"), ("/model", "/model/parameters holds 7 values")] {
            XCTAssertThrowsError(try YOPOModel.load(from: reopened, group: group)) { error in
                guard case DiscaError.badInput(let message) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(message.contains(needle), message)
                XCTAssertTrue(message.contains(path), message)
            }
        }
    }
}

/// A two-block model with non-trivial biases and BatchNorm parameters, and deterministic data for it.
enum SmallModel {
    static let architecture = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 2, featureSize: 4, boxVoxels: 7)

    static func make(classes: Int, threads: Int) throws -> YOPOModel {
        let m = try YOPOModel(architecture: architecture, classes: classes, seed: 3, threads: threads)
        for s in m.layout.parameters where !s.name.hasSuffix("/kernel") {
            let shift: Float = s.name.hasSuffix("/gamma") ? 1 : 0
            m.parameters.view(s).update(from: normal(s.count, seed: 100, index: s.offset).map { 0.25 * $0 + shift })
        }
        return m
    }

    static func normal(_ count: Int, seed: UInt64, index: Int = 0) -> [Float] {
        var s = RandomStream(seed: seed, key: RandomKey(.test, item: index))
        return (0..<count).map { _ in Float(s.normal()) }
    }

    /// Smoothed one-hot targets (B, K).
    static func targets(labels: [Int], classes k: Int, smoothing alpha: Float) -> [Float] {
        smoothedTargets(labels: labels.map { Int32($0) }, classes: k, alpha: Double(alpha))
    }
}
