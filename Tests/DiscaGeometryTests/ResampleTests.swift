@testable import DiscaGeometry
import Foundation
import XCTest

final class ResampleTests: XCTestCase {
    /// A Gaussian of `sigmaAngstrom` at the box centre sampled at `voxel` angstrom on an n^3 grid, peak 1.
    private func gaussian(_ n: Int, voxel: Double, sigmaAngstrom: Double, offsetAngstrom: Double = 0) -> Volume {
        let c = Double(n - 1) / 2
        return Volume(depth: n, height: n, width: n) { z, y, x in
            let dx = (Double(x) - c) * voxel - offsetAngstrom, dy = (Double(y) - c) * voxel
            let dz = (Double(z) - c) * voxel
            return Float(exp(-(dx * dx + dy * dy + dz * dz) / (2 * sigmaAngstrom * sigmaAngstrom)))
        }
    }

    private func maxError(_ a: Volume, _ b: Volume) -> Float {
        zip(a.data, b.data).reduce(0) { max($0, abs($1.0 - $1.1)) }
    }

    func testFourierCropAndPadMatchAnalyticGaussian() {
        let fine = gaussian(32, voxel: 4, sigmaAngstrom: 12)
        XCTAssertLessThan(maxError(fine.fourierResized(toCube: 16), gaussian(16, voxel: 8, sigmaAngstrom: 12)), 2e-3)
        let coarse = gaussian(16, voxel: 8, sigmaAngstrom: 12)
        XCTAssertLessThan(maxError(coarse.fourierResized(toCube: 24), gaussian(24, voxel: 16.0 * 8 / 24,
                                                                                 sigmaAngstrom: 12)), 2e-3)
        XCTAssertLessThan(maxError(fine.fourierResized(toCube: 32), fine), 1e-5)   // same size: identity
    }

    /// Non-integer ratios through the simulator's path (band limit, oversample, trilinear): 4 -> 6.5 angstrom and
    /// 10 -> 7 angstrom (upsampling through a Fourier pad), against the analytic Gaussian on the target grid.
    func testResampleToOtherVoxelSizes() {
        let source = gaussian(32, voxel: 4, sigmaAngstrom: 14, offsetAngstrom: 9)
        let down = source.resampled(voxelSizeAngstrom: 4, toVoxelSizeAngstrom: 6.5, box: 18)
        XCTAssertLessThan(maxError(down, gaussian(18, voxel: 6.5, sigmaAngstrom: 14, offsetAngstrom: 9)), 0.02)
        let coarse = gaussian(16, voxel: 10, sigmaAngstrom: 16)
        let up = coarse.resampled(voxelSizeAngstrom: 10, toVoxelSizeAngstrom: 7, box: 20)
        XCTAssertLessThan(maxError(up, gaussian(20, voxel: 7, sigmaAngstrom: 16)), 0.02)
        let prepared = BandLimitedMap(coarse, voxelSizeAngstrom: 10, targetVoxelSizeAngstrom: 7)
        XCTAssertLessThanOrEqual(prepared.voxelSizeAngstrom, 3.5)
        XCTAssertEqual(prepared.voxelSizeAngstrom * Double(prepared.volume.depth), 160, accuracy: 1e-9)
    }

    func testLowPassKeepsLowAndRemovesHighFrequencies() {
        let n = 16
        let wave = { (k: Int) in Volume(depth: n, height: n, width: n) { _, _, x in
            Float(cos(2 * Double.pi * Double(k * x) / Double(n))) } }
        let low = wave(2).lowPassed(cutoff: 0.25), high = wave(6).lowPassed(cutoff: 0.25)
        XCTAssertLessThan(maxError(low, wave(2)), 1e-5)                     // 2/16 = 0.125 < 0.85 * 0.25
        XCTAssertLessThan(high.data.map { abs($0) }.max()!, 1e-5)           // 6/16 = 0.375 > 0.25
    }

    func testCenterCropOrPadKeepsCentre() {
        let v = gaussian(12, voxel: 1, sigmaAngstrom: 2)
        let c = v.centerCropOrPad(toCube: 8).centerOfMass()!
        XCTAssertEqual(c.x, 3.5, accuracy: 1e-3); XCTAssertEqual(c.z, 3.5, accuracy: 1e-3)
        let p = v.centerCropOrPad(toCube: 16).centerOfMass()!
        XCTAssertEqual(p.y, 7.5, accuracy: 1e-3)
    }
}
