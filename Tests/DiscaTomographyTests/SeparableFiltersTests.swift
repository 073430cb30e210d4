import DiscaCore
@testable import DiscaTomography
import XCTest

final class SeparableFiltersTests: XCTestCase {
    func randomSlab(_ d: Int, _ h: Int, _ w: Int, seed: UInt64) -> Slab {
        var stream = RandomStream(seed: seed, key: RandomKey(.test))
        return Slab(depth: d, height: h, width: w, data: (0..<(d * h * w)).map { _ in Float(stream.normal()) })
    }

    /// The separable Gaussian equals the plain 3D convolution (edges by the nearest voxel), on a slab thinner
    /// than the kernel along one axis so the edge rule is exercised on every axis.
    func testSeparableGaussianEqualsThePlain3DConvolution() {
        let slab = randomSlab(5, 9, 11, seed: 3)
        let kernel = SeparableFilters.gaussianKernel(sigma: 1.3)
        XCTAssertEqual(kernel.count, 2 * 4 + 1)
        XCTAssertEqual(Double(kernel.reduce(0, +)), 1, accuracy: 1e-6)
        let fast = SeparableFilters.convolve(slab, kernel: kernel)
        let plain = SeparableFiltersReference.convolve(slab, kernel: kernel)
        XCTAssertLessThan(zip(fast.data, plain.data).map { abs($0 - $1) }.max()!, 2e-6)
    }

    func testSeparableMaximumEqualsThePlainCubeMaximum() {
        let slab = randomSlab(6, 7, 10, seed: 4)
        for r in [1, 2, 4] {
            XCTAssertEqual(SeparableFilters.maximum(slab, radius: r).data,
                           SeparableFiltersReference.maximum(slab, radius: r).data, "radius \(r)")
        }
    }
}
