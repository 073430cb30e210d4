import DiscaSimulation
import DiscaGeometry
import Foundation
import XCTest

final class CTFAndWedgeTests: XCTestCase {
    func testWavelength() {
        XCTAssertEqual(CTFParameters().wavelengthAngstrom, 0.019687, accuracy: 2e-6)            // 300 kV
        XCTAssertEqual(CTFParameters(voltageKilovolt: 200).wavelengthAngstrom, 0.025079, accuracy: 2e-6)
        XCTAssertEqual(CTFParameters(voltageKilovolt: 100).wavelengthAngstrom, 0.037014, accuracy: 2e-6)
    }

    func testSignConventionAtLowFrequency() {
        let ctf = CTFParameters()
        XCTAssertEqual(ctf.value(0), -0.07, accuracy: 1e-12)          // CTF(0) = -A
        XCTAssertLessThan(ctf.value(0.02), -0.5)                      // first lobe negative under underfocus
        XCTAssertEqual(ctf.underfocusAngstrom, 50_000)
    }

    /// First sign change found by scanning k against the analytic root of chi(k) = pi - asin(A).
    func testFirstZeroMatchesAnalyticFormula() throws {
        for ctf in [CTFParameters(), CTFParameters(voltageKilovolt: 200, defocusMicrometre: -2,
                                                    sphericalAberrationMillimetre: 2, amplitudeContrast: 0.1),
                    CTFParameters(sphericalAberrationMillimetre: 0, amplitudeContrast: 0)] {
            let analytic = try XCTUnwrap(ctf.firstZeroFrequency)
            var k = 1e-7, previous = ctf.value(0)
            while ctf.value(k).sign == previous.sign { previous = ctf.value(k); k += 1e-7 }
            XCTAssertEqual(k, analytic, accuracy: 2e-7, "\(ctf)")
            // Sanity against the textbook approximation k1 ~ sqrt(1 / (lambda dz)) (ignores Cs and A): within 3%.
            XCTAssertEqual(analytic, (1 / (ctf.wavelengthAngstrom * ctf.underfocusAngstrom)).squareRoot(),
                           accuracy: 0.03 * analytic)
        }
        XCTAssertEqual(1 / CTFParameters().firstZeroFrequency!, 31.7, accuracy: 0.1)   // angstrom
        XCTAssertNil(CTFParameters(defocusMicrometre: 3).firstZeroFrequency)           // overfocus: no positive root
    }

    func testWedgeGeometry() {
        let w = MissingWedge(maxTiltDegrees: 60)
        let t = tan(60 * Double.pi / 180)
        XCTAssertTrue(w.keeps(kz: 0, ky: 0.3, kx: 0))             // the tilt axis (ky) is always measured
        XCTAssertTrue(w.keeps(kz: 0, ky: 0, kx: 0))
        XCTAssertFalse(w.keeps(kz: 0.2, ky: 0, kx: 0))            // the beam axis is missing
        XCTAssertFalse(w.keeps(kz: -0.2, ky: 0.4, kx: 0))
        XCTAssertTrue(w.keeps(kz: 0.1 * t * 0.99, ky: 0.1, kx: 0.1))
        XCTAssertFalse(w.keeps(kz: 0.1 * t * 1.01, ky: 0.1, kx: -0.1))
        XCTAssertTrue(w.keeps(kz: -0.1 * t, ky: 0, kx: -0.1))      // on the boundary: kept
        XCTAssertTrue(MissingWedge(maxTiltDegrees: 90).keeps(kz: 1, ky: 0, kx: 0))
        // A +-40 tilt misses more: the direction at 50 degrees from kx is kept at 60 but not at 40.
        let d = (kz: sin(50 * Double.pi / 180), kx: cos(50 * Double.pi / 180))
        XCTAssertTrue(w.keeps(kz: d.kz, ky: 0, kx: d.kx))
        XCTAssertFalse(MissingWedge(maxTiltDegrees: 40).keeps(kz: d.kz, ky: 0, kx: d.kx))
    }

    /// Inside the sphere |k| < 1/2 the missing fraction is the angular fraction (90 - maxTilt) / 90;
    /// the mask is symmetric under k -> -k (so filtered real maps stay real).
    func testWedgeMaskFractionAndSymmetry() {
        let n = 32
        for tilt in [60.0, 40.0] {
            let m = MissingWedge(maxTiltDegrees: tilt).mask(cube: n)
            var inside = 0, missing = 0
            for z in 0..<n { for y in 0..<n { for x in 0..<n {
                let kz = FFT3D.signedFrequency(z, n), ky = FFT3D.signedFrequency(y, n), kx = FFT3D.signedFrequency(x, n)
                let i = (z * n + y) * n + x
                XCTAssertEqual(m[i], m[(((n - z) % n) * n + (n - y) % n) * n + (n - x) % n])
                if kz * kz + ky * ky + kx * kx < 0.25 { inside += 1; if m[i] == 0 { missing += 1 } }
            } } }
            XCTAssertEqual(Double(missing) / Double(inside), (90 - tilt) / 90, accuracy: 0.02, "tilt \(tilt)")
        }
    }
}
