import XCTest
import DiscaCore
@testable import DiscaStats
import DiscaNumerics

/// The fast E-step (augmented rows, two dgemm per block, threads) against the plain per-row reference.
final class MixtureKernelTests: XCTestCase {
    /// A random but valid mixture in the centred frame: weights, means, SPD covariances and their factors.
    private func randomModel(k: Int, d: Int, seed: UInt64) -> GaussianMixtureModel {
        var g = RandomStream(seed: seed, key: RandomKey(.test, iteration: 7))
        var stats = [Double](repeating: 0, count: k * AugmentedRows.width(d))
        // Statistics of a few random weighted points per component make a valid M-step input.
        for c in 0..<k {
            let s = AugmentedRows.width(d)
            for _ in 0..<(d + 3) {
                let w = 0.5 + g.uniform()
                let x = (0..<d).map { _ in g.normal() * 2 + Double(c) }
                var z = [Double](repeating: 0, count: s)
                x.withUnsafeBufferPointer { xp in z.withUnsafeMutableBufferPointer { AugmentedRows.fill($0.baseAddress!, xp.baseAddress!, rows: 1, dims: d) } }
                for i in 0..<s { stats[c * s + i] += w * z[i] }
            }
        }
        return MixtureMStep.parameters(stats: stats, components: k, dims: d, regCovar: 1e-5,
                                       shift: [Double](repeating: 0, count: d))
    }

    private func randomRows(_ n: Int, _ d: Int, seed: UInt64) -> [Float] {
        var g = RandomStream(seed: seed, key: RandomKey(.test, iteration: 8))
        return (0..<(n * d)).map { _ in Float(g.normal() * 3) }
    }

    func testLogDensitiesMatchReferenceOnOddShapes() throws {
        for (k, d, n) in [(1, 1, 5), (5, 3, 37), (4, 7, 130), (3, 16, 61)] {
            let model = randomModel(k: k, d: d, seed: UInt64(k * 100 + d))
            let x = randomRows(n, d, seed: UInt64(n))
            let data = try MixtureData(LocalRows(values: x, dims: d, firstRow: 0), comm: SingleProcessCommunicator())
            let centred = model.translated(by: data.shift.map { -$0 })
            var fast = [Double](repeating: 0, count: n * k)
            var z = [Double](repeating: 0, count: n * AugmentedRows.width(d))
            data.centred.withUnsafeBufferPointer { x in
                z.withUnsafeMutableBufferPointer { AugmentedRows.fill($0.baseAddress!, x.baseAddress!, rows: n, dims: d) }
            }
            z.withUnsafeBufferPointer { z in
                fast.withUnsafeMutableBufferPointer { MixtureKernel(centred).logDensities($0.baseAddress!, z.baseAddress!, rows: n) }
            }
            let reference = MixtureReference.weightedLogDensities(centred, data.centred)
            assertNear(fast, reference, rel: 1e-10, abs: 1e-9, "log densities k=\(k) d=\(d) n=\(n)")
        }
    }

    func testEMStatisticsMatchReferenceWithThreads() throws {
        let (k, d, n) = (5, 6, 5003)
        let model = randomModel(k: k, d: d, seed: 3)
        let x = randomRows(n, d, seed: 4)
        let rows = LocalRows(values: x, dims: d, firstRow: 0)
        let cached = try MixtureData(rows, comm: SingleProcessCommunicator())
        let centred = model.translated(by: cached.shift.map { -$0 })
        let reference = MixtureReference.emStatistics(centred, cached.centred)
        for threads in [1, 2, 3] {
            let fast = MixturePass.emStep(cached, MixtureKernel(centred), threads: threads)
            assertNear(fast, reference, rel: 1e-10, abs: 1e-9, "statistics, threads \(threads)")
        }
        // The scoring pass gives the same log-likelihood and argmax labels as the reference.
        var labels = [Int32](repeating: -1, count: n)
        let total = labels.withUnsafeMutableBufferPointer {
            MixturePass.score(cached, MixtureKernel(centred), threads: 2, labels: $0.baseAddress, posterior: nil)
        }
        assertNear(total, reference[k * AugmentedRows.width(d)], rel: 1e-12, "log-likelihood")
        let logp = MixtureReference.weightedLogDensities(centred, cached.centred)
        let expected = (0..<n).map { r in Int32((0..<k).max { logp[r * k + $0] < logp[r * k + $1] }!) }
        XCTAssertEqual(labels, expected)
    }

    func testRandomStartsDependOnGlobalRowOnly() {
        var a = [Double](repeating: 0, count: 4), b = [Double](repeating: 0, count: 4)
        GaussianMixture.randomResponsibilities(&a, components: 4, seed: 9, start: 2, row: 12345)
        GaussianMixture.randomResponsibilities(&b, components: 4, seed: 9, start: 2, row: 12345)
        XCTAssertEqual(a, b)
        XCTAssertEqual(a.reduce(0, +), 1, accuracy: 1e-15)
        GaussianMixture.randomResponsibilities(&b, components: 4, seed: 9, start: 3, row: 12345)
        XCTAssertNotEqual(a, b)
    }

    func testCollapsedStatisticsStayFinite() {
        // A component holding one repeated point, one holding nothing, and non-finite garbage: all finite out.
        let d = 3, s = AugmentedRows.width(d)
        var stats = [Double](repeating: 0, count: 3 * s)
        let x = [2.0, -1.0, 0.5]
        for copies in 0..<4 {
            _ = copies
            var p = d + 1
            for j in 0..<d { stats[j] += x[j] }
            stats[d] += 1
            for i in 0..<d { for j in i..<d { stats[p] += x[i] * x[j]; p += 1 } }
        }
        stats[2 * s + d + 1] = -1e30   // a negative "variance": not positive definite even with reg_covar
        stats[2 * s + d] = 1
        let m = MixtureMStep.parameters(stats: stats, components: 3, dims: d, regCovar: 1e-5, shift: [0, 0, 0])
        XCTAssertTrue(m.weights.allSatisfy { $0.isFinite && $0 >= 0 })
        XCTAssertTrue(m.means.allSatisfy { $0.isFinite })
        XCTAssertTrue(m.covariances.allSatisfy { $0.isFinite })
        XCTAssertTrue(m.precisionCholesky.allSatisfy { $0.isFinite })
        // The collapsed component is reg_covar I (up to rounding): its precision factor is 1/sqrt(1e-5) on the diagonal.
        XCTAssertEqual(m.precisionCholesky[0], 1 / 1e-5.squareRoot(), accuracy: 1e-3)
        XCTAssertTrue(MixtureKernel(m).theta.allSatisfy { $0.isFinite })
    }
}

/// The vectorised exp against libm.
final class VectorExpTests: XCTestCase {
    func testMatchesLibmToAFewUlp() {
        var g = RandomStream(seed: 1, key: RandomKey(.test))
        var xs: [Double] = [0, -0.0, -1e-300, -0.5 * log(2.0), 0.5 * log(2.0), -1, 1, -700, -707.9, -708, -708.5, -745, -800,
                            -.infinity, 5, 700]
        for _ in 0..<20_000 { xs.append(-750 * g.uniform()) }
        for _ in 0..<2_000 { xs.append(g.normal() * 3) }
        var ys = xs
        ys.withUnsafeMutableBufferPointer { DiscaNumerics.VectorExp.apply($0.baseAddress!, count: xs.count) }
        var worst = 0.0
        for (x, y) in zip(xs, ys) {
            let e = exp(x)
            if x < -708 {
                XCTAssertEqual(y, 0, "exp(\(x)) flushed to 0")
            } else {
                let ulps = abs(y - e) / e.ulp
                worst = max(worst, ulps)
                XCTAssertLessThanOrEqual(ulps, 4, "exp(\(x)) = \(y), libm \(e)")
            }
        }
        XCTAssertEqual(ys[0], 1)
        print("VectorExp worst error \(worst) ulp")
    }
}
