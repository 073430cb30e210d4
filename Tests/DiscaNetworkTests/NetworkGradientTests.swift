import DiscaCore
@testable import DiscaNetwork
import _TestSupport
import XCTest

/// The whole network end to end (training mode, dropout on, two blocks) against central finite differences of the
/// loss, for every parameter tensor of the feature network and the head, and for the input.
final class NetworkGradientTests: XCTestCase {
    static let architecture = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 2, featureSize: 4, boxVoxels: 7)
    /// Small enough that no max-pool arg-max switches, large enough for float32 round-off (steps of 1e-2 cross
    /// arg-max switches on conv kernels; 1e-3 lets round-off dominate the small bias gradients).
    static let fdStep: Float = 3e-3

    /// A small model with non-trivial BatchNorm parameters and biases.
    static func makeModel(classes: Int = 2, threads: Int = 1, seed: UInt64 = 3) throws -> YOPOModel {
        let m = try YOPOModel(architecture: architecture, classes: classes, seed: seed, threads: threads)
        for s in m.layout.parameters where s.name.hasSuffix("/bias") || s.name.hasSuffix("/beta") {
            m.parameters.view(s).update(from: TestData.normal(s.count, seed: 100, index: s.offset, sd: 0.2))
        }
        for s in m.layout.parameters where s.name.hasSuffix("/gamma") {
            m.parameters.view(s).update(from: TestData.normal(s.count, seed: 101, index: s.offset, sd: 0.3).map { $0 + 1 })
        }
        return m
    }

    func testEndToEndFiniteDifferences() throws {
        let m = try Self.makeModel()
        let batch = 3, comm = SingleProcessCommunicator()
        let x = FloatBuffer(TestData.normal(batch * Self.architecture.inputVoxels, seed: 7))
        let targets = TestData.targets(labels: [0, 1, 1], classes: 2, smoothing: 0.2)
        let indices = [10, 11, 12]
        func loss() throws -> Double {
            _ = try m.forwardTraining(inputs: x.pointer, targets: targets, sampleIndices: indices, noiseKey: RandomKey(.dropout, iteration: 5),
                                      seed: 9, comm: comm, updateMovingStatistics: false)
            return m.training.losses.reduce(0.0) { $0 + Double($1) } / Double(batch)
        }
        // Analytic gradients.
        m.zeroGradients()
        var dx = [Float](repeating: 0, count: x.count)
        _ = try loss()
        try m.backwardTraining(comm: comm, inputGradient: &dx)
        let grads = m.gradients.array, headGrads = m.head.gradients.array

        var rows: [(String, Double)] = []
        let tolerance = 2e-2
        let lastBeta = m.layout.blocks.last!.beta
        for slot in m.layout.parameters {
            let idx = GradientCheck.spreadIndices(count: slot.count, limit: 24).map { slot.offset + $0 }
            let num = try GradientCheck.numeric(m.parameters.pointer, indices: idx, step: Self.fdStep, loss: loss)
            if slot == lastBeta {
                // Zero by construction (the tap BatchNorm removes any per-channel shift of the last block):
                // both the analytic gradient and the differences are round-off.
                let analytic = idx.map { abs(grads[$0]) }.max()!, numeric = num.map { abs($0) }.max()!
                print("GRADCHECK | YOPO end to end            | \(slot.name) (zero by construction) | max |analytic| \(analytic) | max |numeric| \(numeric)")
                XCTAssertLessThan(analytic, 1e-6)
                XCTAssertLessThan(numeric, 1e-4)
                continue
            }
            let e = GradientCheck.relativeError(numeric: num, analytic: idx.map { Double(grads[$0]) })
            rows.append((slot.name, e))
            print(GradientCheck.row("YOPO end to end", slot.name, error: e, tolerance: tolerance, checked: idx.count))
        }
        for slot in m.head.slots {
            let idx = Array(slot.offset..<slot.end)
            let num = try GradientCheck.numeric(m.head.parameters.pointer, indices: idx, step: Self.fdStep, loss: loss)
            let e = GradientCheck.relativeError(numeric: num, analytic: idx.map { Double(headGrads[$0]) })
            rows.append((slot.name, e))
            print(GradientCheck.row("YOPO end to end", slot.name, error: e, tolerance: tolerance, checked: idx.count))
        }
        let xi = GradientCheck.spreadIndices(count: x.count, limit: 60)
        let nx = try GradientCheck.numeric(x.pointer, indices: xi, step: Self.fdStep, loss: loss)
        let ex = GradientCheck.relativeError(numeric: nx, analytic: xi.map { Double(dx[$0]) })
        rows.append(("input", ex))
        print(GradientCheck.row("YOPO end to end", "input", error: ex, tolerance: tolerance, checked: xi.count))
        for (name, e) in rows { XCTAssertLessThan(e, tolerance, name) }
    }

    func testWorkerThreadsAndLoweringsGiveTheSameResults() throws {
        // one: 1 thread, planar; two: 2 worker threads, full lowering with several samples per sgemm.
        let one = try Self.makeModel(threads: 1), two = try Self.makeModel(threads: 2)
        var policy = LoweringPolicy(lowering: .full)
        policy.targetRows = 60
        two.loweringPolicy = policy
        XCTAssertGreaterThan(two.plans[1].samplesPerChunk, 1)
        try assertSameResults(one, two, seed: 8)
    }

    /// One training step (loss, gradients, moving statistics) and the features of a batch agree between two models.
    private func assertSameResults(_ one: YOPOModel, _ two: YOPOModel, seed: UInt64,
                                   file: StaticString = #filePath, line: UInt = #line) throws {
        let batch = 5, comm = SingleProcessCommunicator()
        let x = TestData.normal(batch * Self.architecture.inputVoxels, seed: seed)
        let t = TestData.targets(labels: [0, 1, 1, 0, 1], classes: 2, smoothing: 0.1)
        let l1 = try one.trainStep(inputs: x, targets: t, sampleIndices: Array(0..<batch), noiseKey: RandomKey(.dropout, iteration: 1), seed: 2, comm: comm)
        let l2 = try two.trainStep(inputs: x, targets: t, sampleIndices: Array(0..<batch), noiseKey: RandomKey(.dropout, iteration: 1), seed: 2, comm: comm)
        XCTAssertEqual(l1, l2, accuracy: 1e-6, file: file, line: line)
        XCTAssertLessThan(TestData.relativeDifference(two.gradients.array, one.gradients.array), 1e-5, file: file, line: line)
        XCTAssertLessThan(TestData.relativeDifference(two.statistics.array, one.statistics.array), 1e-6, file: file, line: line)
        let f1 = try one.extractFeatures(x), f2 = try two.extractFeatures(x)
        XCTAssertLessThan(TestData.relativeDifference(f2, f1), 1e-5, file: file, line: line)
    }

    func testPlaneRingGivesTheSameResults() throws {
        // The plane-by-plane forward (columns in a ring of three planes, epilogue per plane) in every block against
        // the whole-sample lowering, in training (losses, gradients, moving statistics) and inference.
        let plain = try Self.makeModel(threads: 1), ring = try Self.makeModel(threads: 2)
        var policy = LoweringPolicy(lowering: .planar)
        policy.ringMinPlaneRows = 1
        policy.ringMinSampleColumnBytes = 0
        ring.loweringPolicy = policy
        XCTAssertTrue(ring.plans.allSatisfy { $0.planeRing })
        XCTAssertFalse(plain.plans.contains { $0.planeRing })
        try assertSameResults(plain, ring, seed: 18)
    }

    func testInferenceMatchesTrainingPathWithFrozenStatistics() throws {
        // Inference mode with moving statistics equal to a batch's statistics gives the training-mode features
        // of that batch (dropout off): checks the inference path against the training path.
        let m = try Self.makeModel()
        m.dropoutRate = 0
        let batch = 4, comm = SingleProcessCommunicator()
        let x = TestData.normal(batch * Self.architecture.inputVoxels, seed: 12)
        let t = TestData.targets(labels: [0, 1, 0, 1], classes: 2, smoothing: 0.1)
        try x.withUnsafeBufferPointer { xp in
            _ = try m.forwardTraining(inputs: xp.baseAddress!, targets: t, sampleIndices: Array(0..<batch), noiseKey: RandomKey(.dropout, iteration: 0),
                                      seed: 0, comm: comm, updateMovingStatistics: false)
        }
        let trainFeatures = Array(UnsafeBufferPointer(start: m.training.features.pointer, count: batch * 4))
        // Moving stats := batch stats, but BatchNorm inference uses var + eps exactly as training does.
        for (l, s) in m.layout.blocks.enumerated() {
            m.statistics.view(s.movingMean).update(from: m.training.blockStatistics[l].mean)
            m.statistics.view(s.movingVariance).update(from: m.training.blockStatistics[l].variance)
        }
        m.statistics.view(m.layout.tapMovingMean).update(from: m.training.tapStatistics!.mean)
        m.statistics.view(m.layout.tapMovingVariance).update(from: m.training.tapStatistics!.variance)
        let inferenceFeatures = try m.extractFeatures(x)
        XCTAssertLessThan(TestData.relativeDifference(inferenceFeatures, trainFeatures), 1e-5)
    }

    func testTrainingReducesTheLoss() throws {
        let m = try Self.makeModel(classes: 2)
        m.dropoutRate = 0
        let batch = 6, comm = SingleProcessCommunicator()
        let x = TestData.normal(batch * Self.architecture.inputVoxels, seed: 14)
        let t = TestData.targets(labels: [0, 1, 0, 1, 0, 1], classes: 2, smoothing: 0.1)
        var losses: [Float] = []
        for step in 0..<30 {
            losses.append(try m.trainStep(inputs: x, targets: t, sampleIndices: Array(0..<batch), noiseKey: RandomKey(.dropout, iteration: step), seed: 1, comm: comm))
            try m.allreduceGradients(comm: comm)
            m.applyUpdate(learningRate: 1e-2)
        }
        XCTAssertLessThan(losses.last!, losses.first! - 0.1, "\(losses)")
    }
}
