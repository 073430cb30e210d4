import DiscaCore
@testable import DiscaNetwork
import XCTest

/// A batch split over P ranks (threads of a LocalGroup) trains exactly like one rank holding the whole batch:
/// same loss, same allreduced gradients, same moving statistics, and the same head-only steps.
final class DistributedBatchNormTests: XCTestCase {
    struct Outcome: Sendable { let loss: Float; let gradients: [Float]; let head: [Float]; let statistics: [Float]
        let parametersAfter: [Float] }

    static func run(comm: Communicator, batch: Int) throws -> Outcome {
        let m = try NetworkGradientTests.makeModel(classes: 3, threads: 1)
        let a = NetworkGradientTests.architecture
        let x = TestData.normal(batch * a.inputVoxels, seed: 21)
        let t = TestData.targets(labels: (0..<batch).map { $0 % 3 }, classes: 3, smoothing: 0.2)
        let rows = comm.rows(of: batch)
        let loss = try m.trainStep(inputs: Array(x[(rows.lowerBound * a.inputVoxels)..<(rows.upperBound * a.inputVoxels)]),
                                   targets: Array(t[(rows.lowerBound * 3)..<(rows.upperBound * 3)]),
                                   sampleIndices: Array(rows), noiseKey: RandomKey(.dropout, iteration: 4), seed: 17, comm: comm)
        try m.allreduceGradients(comm: comm)
        let outcome = (loss, m.gradients.array, m.head.gradients.array, m.statistics.array)
        m.applyUpdate(learningRate: 1e-3)
        return Outcome(loss: outcome.0, gradients: outcome.1, head: outcome.2, statistics: outcome.3,
                       parametersAfter: m.parameters.array + m.head.parameters.array)
    }

    /// Per tensor |a - b| <= 1e-6 + 1e-4 max|b| (the fixture's gradient tolerance); the last block's beta, whose
    /// gradient is round-off by construction, only |a| <= 1e-6.
    func assertSameGradients(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let layout = YOPOLayout(NetworkGradientTests.architecture)
        for slot in layout.parameters {
            let x = Array(a[slot.offset..<slot.end]), y = Array(b[slot.offset..<slot.end])
            if slot == layout.blocks.last!.beta {
                XCTAssertLessThanOrEqual(TestData.maxAbs(x), 1e-6, "\(what) \(slot.name)", file: file, line: line)
                continue
            }
            let worst = zip(x, y).map { abs($0 - $1) }.max()!
            XCTAssertLessThanOrEqual(worst, 1e-6 + 1e-4 * TestData.maxAbs(y), "\(what) \(slot.name)", file: file, line: line)
        }
    }

    /// Parameters after one Nadam step, except the last block's beta: Nadam turns its round-off gradient into a step
    /// of about lr * sign(g), which differs between runs (fixtures/README.md).
    func assertSameParameters(_ a: [Float], _ b: [Float], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let beta = YOPOLayout(NetworkGradientTests.architecture).blocks.last!.beta
        var x = a, y = b
        for i in beta.offset..<beta.end { x[i] = 0; y[i] = 0 }
        XCTAssertLessThan(TestData.relativeDifference(x, y), 2e-6, what, file: file, line: line)
    }

    func testSplitBatchEqualsOneRank() throws {
        let batch = 6
        let single = try Self.run(comm: SingleProcessCommunicator(), batch: batch)
        for ranks in [2, 3] {
            let outcomes = try LocalGroup.run(size: ranks) { comm in try Self.run(comm: comm, batch: batch) }
            for o in outcomes {
                XCTAssertEqual(o.loss, single.loss, accuracy: 1e-6, "\(ranks) ranks")
                assertSameGradients(o.gradients, single.gradients, "\(ranks) ranks")
                XCTAssertLessThan(TestData.relativeDifference(o.head, single.head), 1e-5, "\(ranks) ranks")
                XCTAssertLessThan(TestData.relativeDifference(o.statistics, single.statistics), 1e-6, "\(ranks) ranks")
                assertSameParameters(o.parametersAfter, single.parametersAfter, "\(ranks) ranks")
            }
            // Every rank ends with the same model.
            XCTAssertEqual(Set(outcomes.map(\.parametersAfter)).count, 1)
        }
    }

    func testRankWithNoSamples() throws {
        // 2 samples over 3 ranks: one rank has none and still takes part in every collective.
        let single = try Self.run(comm: SingleProcessCommunicator(), batch: 2)
        let outcomes = try LocalGroup.run(size: 3) { comm in try Self.run(comm: comm, batch: 2) }
        for o in outcomes {
            XCTAssertEqual(o.loss, single.loss, accuracy: 1e-6)
            assertSameGradients(o.gradients, single.gradients, "3 ranks, 2 samples")
        }
    }

    func testHeadOnlyTrainingSplitOverRanks() throws {
        let features = TestData.normal(8 * 4, seed: 30)
        let targets = TestData.targets(labels: [0, 1, 2, 0, 1, 2, 0, 1], classes: 3, smoothing: 0.1)
        @Sendable func run(_ comm: Communicator) throws -> [Float] {
            let head = try ClassificationHead(inputs: 4, classes: 3, seed: 5)
            let rows = comm.rows(of: 8)
            for _ in 0..<3 {
                try head.trainStep(features: Array(features[(rows.lowerBound * 4)..<(rows.upperBound * 4)]),
                                   targets: Array(targets[(rows.lowerBound * 3)..<(rows.upperBound * 3)]),
                                   learningRate: 1e-2, comm: comm)
            }
            return head.parameters.array
        }
        let single = try run(SingleProcessCommunicator())
        for p in try LocalGroup.run(size: 2, { try run($0) }) {
            XCTAssertLessThan(TestData.relativeDifference(p, single), 1e-5)
        }
    }
}
