import DiscaCore
@testable import DiscaNetwork
import XCTest

/// Convolutions are equivariant and the global max pool invariant: an object in an empty box, shifted by whole
/// voxels (staying clear of the border by the receptive field), gives the same features in inference mode.
final class TranslationInvarianceTests: XCTestCase {
    func testShiftedObjectGivesTheSameFeatures() throws {
        let a = YOPOArchitecture(blocks: 2, firstWidth: 4, widthStep: 2, featureSize: 6, boxVoxels: 14)
        let m = try YOPOModel(architecture: a, classes: 2, seed: 8, threads: 1)
        for s in m.layout.parameters where s.name.hasSuffix("/bias") || s.name.hasSuffix("/beta") {
            m.parameters.view(s).update(from: TestData.normal(s.count, seed: 3, index: s.offset, sd: 0.3))
        }
        let blob = TestData.normal(27, seed: 4)
        func box(at p: (Int, Int, Int)) -> [Float] {
            var v = [Float](repeating: 0, count: a.inputVoxels)
            for i in 0..<3 { for j in 0..<3 { for k in 0..<3 {
                v[((p.0 + i) * 14 + p.1 + j) * 14 + p.2 + k] = blob[(i * 3 + j) * 3 + k]
            } } }
            return v
        }
        // The 5^3 receptive field of block 2 keeps positions 4...7 on every axis clear of the border.
        let reference = try m.extractFeatures(box(at: (4, 4, 4)))
        for p in [(7, 5, 6), (5, 7, 4), (6, 6, 7)] {
            let shifted = try m.extractFeatures(box(at: p))
            XCTAssertLessThan(TestData.relativeDifference(shifted, reference), 1e-5, "shift to \(p)")
        }
        // Sanity: a different object gives different features.
        var other = box(at: (4, 4, 4))
        other[(5 * 14 + 5) * 14 + 5] += 1
        XCTAssertGreaterThan(TestData.relativeDifference(try m.extractFeatures(other), reference), 1e-3)
    }
}
