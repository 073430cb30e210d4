import DiscaCore
@testable import DiscaGeometry
import XCTest

final class FFTTests: XCTestCase {
    private func randomComplex(_ n: Int, index: Int) -> ([Double], [Double]) {
        var s = RandomStream(seed: 11, key: RandomKey(.test, item: index))
        return ((0..<n).map { _ in s.normal() }, (0..<n).map { _ in s.normal() })
    }

    /// Mixed radix (4, 2, 3, 5, 7, 11, 13) and Bluestein (17, 47, 61) lengths against the plain DFT.
    func testOneDimensionalMatchesReferenceDFT() {
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 16, 17, 20, 24, 25, 30, 36, 47, 48, 61, 64] {
            let (re, im) = randomComplex(n, index: n)
            let plan = FFTPlan(length: n)
            for inverse in [false, true] {
                let fast = plan.transform(re, im, inverse: inverse)
                let slow = DFTReference.transform(re, im, inverse: inverse)
                var err = 0.0
                for k in 0..<n { err = max(err, abs(fast.re[k] - slow.re[k]), abs(fast.im[k] - slow.im[k])) }
                XCTAssertLessThan(err, 1e-9 * Double(max(n, 1)), "n = \(n) inverse = \(inverse)")
            }
        }
    }

    func testPlanChoosesBluesteinOnlyForLargePrimeFactors() {
        XCTAssertNil(FFTPlan(length: 24).bluestein)
        XCTAssertEqual(FFTPlan.factorize(24), [4, 2, 3])
        XCTAssertEqual(FFTPlan.factorize(36), [4, 3, 3])
        XCTAssertNil(FFTPlan(length: 26).bluestein)          // 2 * 13
        XCTAssertNotNil(FFTPlan(length: 34).bluestein)       // 2 * 17
    }

    func testForwardThenInverseIsIdentity() {
        let (re, im) = randomComplex(47 * 2, index: 1)
        let plan = FFTPlan(length: 94)
        let f = plan.transform(re, im)
        let b = plan.transform(f.re, f.im, inverse: true)
        for k in 0..<94 { XCTAssertEqual(b.re[k], re[k], accuracy: 1e-10); XCTAssertEqual(b.im[k], im[k], accuracy: 1e-10) }
    }

    /// The 3D transform against the triple sum on an odd, non-cubic grid.
    func testThreeDimensionalMatchesDirectSum() {
        let (d, h, w) = (3, 4, 5)
        let (re, im) = randomComplex(d * h * w, index: 99)
        var fr = re, fi = im
        FFT3D(depth: d, height: h, width: w).forward(&fr, &fi)
        var err = 0.0
        for kz in 0..<d { for ky in 0..<h { for kx in 0..<w {
            var sr = 0.0, si = 0.0
            for z in 0..<d { for y in 0..<h { for x in 0..<w {
                let phase = -2 * Double.pi * (Double(kz * z) / Double(d) + Double(ky * y) / Double(h)
                                              + Double(kx * x) / Double(w))
                let i = (z * h + y) * w + x
                sr += re[i] * cos(phase) - im[i] * sin(phase)
                si += re[i] * sin(phase) + im[i] * cos(phase)
            } } }
            let o = (kz * h + ky) * w + kx
            err = max(err, abs(sr - fr[o]), abs(si - fi[o]))
        } } }
        XCTAssertLessThan(err, 1e-10)
        FFT3D(depth: d, height: h, width: w).inverse(&fr, &fi)
        for i in re.indices { XCTAssertEqual(fr[i], re[i], accuracy: 1e-12); XCTAssertEqual(fi[i], im[i], accuracy: 1e-12) }
    }

    func testSignedFrequency() {
        XCTAssertEqual(FFT3D.signedFrequency(0, 8), 0)
        XCTAssertEqual(FFT3D.signedFrequency(4, 8), 0.5)
        XCTAssertEqual(FFT3D.signedFrequency(5, 8), -3.0 / 8)
        XCTAssertEqual(FFT3D.signedFrequency(3, 7), 3.0 / 7)
        XCTAssertEqual(FFT3D.signedFrequency(4, 7), -3.0 / 7)
    }
}
