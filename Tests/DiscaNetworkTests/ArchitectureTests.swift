import DiscaCore
@testable import DiscaNetwork
import XCTest

final class ArchitectureTests: XCTestCase {
    func testPaperNetwork() throws {
        let a = YOPOArchitecture.paper
        try a.validate()
        XCTAssertEqual(a.widths, [64, 80, 96, 112, 128, 144, 160, 176, 192, 208])
        XCTAssertEqual(a.tapCount, 1360)
        XCTAssertEqual(a.outputEdge(ofBlock: 9), 4)
        XCTAssertEqual(a.forwardFLOPsPerSample / 1e9, 13.4, accuracy: 0.1)
        let layout = YOPOLayout(a)
        XCTAssertEqual(layout.blocks[1].kernel.shape, [3, 3, 3, 64, 80])
        XCTAssertEqual(layout.denseKernel.shape, [1360, 1024])
        XCTAssertEqual(layout.parameterCount, layout.parameters.map(\.count).reduce(0, +))
    }

    func testTooManyBlocksForTheBoxIsBadInputNamingTheKeys() {
        let a = YOPOArchitecture(blocks: 12, firstWidth: 64, widthStep: 16, featureSize: 1024, boxVoxels: 24)
        XCTAssertThrowsError(try a.validate()) { error in
            guard case DiscaError.badInput(let message) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(message.contains("network.blocks"), message)
            XCTAssertTrue(message.contains("box"), message)
            XCTAssertEqual((error as? DiscaError)?.exitCode, ExitStatus.badInput)
        }
        XCTAssertThrowsError(try YOPOModel(architecture: a, classes: 2, seed: 1))
        XCTAssertNoThrow(try YOPOArchitecture(blocks: 2, firstWidth: 2, widthStep: 0, featureSize: 3, boxVoxels: 5).validate())
        XCTAssertThrowsError(try YOPOArchitecture(blocks: 3, firstWidth: 2, widthStep: 0, featureSize: 3, boxVoxels: 6).validate())
    }

    func testOrthogonalInitialisation() throws {
        for (rows, cols) in [(27, 8), (5, 12), (6, 6)] {
            var w = [Float](repeating: 0, count: rows * cols)
            var s = RandomStream(seed: 1, key: RandomKey(.networkInit, iteration: 0, item: 0))
            try w.withUnsafeMutableBufferPointer { try Initializers.orthogonal($0, rows: rows, cols: cols, stream: &s) }
            // Orthonormal columns when tall (W^T W = I), orthonormal rows when wide (W W^T = I).
            let n = min(rows, cols)
            for i in 0..<n { for j in 0..<n {
                var dot = 0.0
                if rows >= cols { for r in 0..<rows { dot += Double(w[r * cols + i]) * Double(w[r * cols + j]) } }
                else { for c in 0..<cols { dot += Double(w[i * cols + c]) * Double(w[j * cols + c]) } }
                XCTAssertEqual(dot, i == j ? 1 : 0, accuracy: 1e-5)
            } }
        }
        // Keyed by seed: same seed same weights, other seed other weights; biases zero, gamma one.
        let a = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 1, featureSize: 5, boxVoxels: 6)
        let m1 = try YOPOModel(architecture: a, classes: 3, seed: 4), m2 = try YOPOModel(architecture: a, classes: 3, seed: 4)
        let m3 = try YOPOModel(architecture: a, classes: 3, seed: 5)
        XCTAssertEqual(m1.parameters.array, m2.parameters.array)
        XCTAssertNotEqual(m1.parameters.array, m3.parameters.array)
        XCTAssertEqual(m1.parameters.values(m1.layout.blocks[0].bias), [0, 0, 0])
        XCTAssertEqual(m1.parameters.values(m1.layout.blocks[1].gamma), [1, 1, 1, 1])
        XCTAssertEqual(m1.statistics.values(m1.layout.blocks[1].movingVariance), [1, 1, 1, 1])
    }

    func testReplacingTheHeadKeepsTheFeatures() throws {
        let a = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 1, featureSize: 5, boxVoxels: 6)
        let m = try YOPOModel(architecture: a, classes: 3, seed: 4, threads: 1)
        let x = TestData.normal(4 * a.inputVoxels, seed: 2)
        let before = try m.extractFeatures(x)
        let oldHead = m.head.parameters.array
        try m.replaceHead(classes: 4, seed: 4, generation: 1)
        XCTAssertEqual(m.head.classes, 4)
        XCTAssertEqual(m.head.parameters.count, 5 * 4 + 4)
        XCTAssertEqual(m.head.optimizer.iterations, 0)
        XCTAssertEqual(try m.extractFeatures(x), before)
        XCTAssertEqual(try m.predictProbabilities(x).count, 4 * 4)
        XCTAssertNotEqual(Array(m.head.parameters.array.prefix(15)), Array(oldHead.prefix(15)))
    }

    func testHeadAloneLearnsFixedFeaturesInTenEpochs() throws {
        // Two well separated clusters of 5-D features; 10 epochs of batch 4 with Nadam lr 1e-2.
        let n = 32, f = 5
        var features: [Float] = [], labels: [Int] = []
        let noise = TestData.normal(n * f, seed: 9, sd: 0.3)
        for i in 0..<n {
            let label = i % 2
            labels.append(label)
            for j in 0..<f { features.append((label == 0 ? 1 : -1) * Float(j % 2 == 0 ? 1 : -1) + noise[i * f + j]) }
        }
        let targets = TestData.targets(labels: labels, classes: 2, smoothing: 0.1)
        let head = try ClassificationHead(inputs: f, classes: 2, seed: 3)
        let comm = SingleProcessCommunicator()
        var epochLoss: [Float] = []
        for _ in 0..<10 {
            var total: Float = 0
            for start in stride(from: 0, to: n, by: 4) {
                total += try head.trainStep(features: Array(features[(start * f)..<((start + 4) * f)]),
                                            targets: Array(targets[(start * 2)..<((start + 4) * 2)]),
                                            learningRate: 1e-2, comm: comm)
            }
            epochLoss.append(total / Float(n / 4))
        }
        XCTAssertLessThan(epochLoss.last!, epochLoss.first! * 0.9, "\(epochLoss)")
        let p = head.probabilities(features: features)
        let correct = (0..<n).filter { (p[$0 * 2 + 1] > p[$0 * 2]) == (labels[$0] == 1) }.count
        XCTAssertEqual(correct, n)
        XCTAssertEqual(head.optimizer.iterations, 80)
    }
}
