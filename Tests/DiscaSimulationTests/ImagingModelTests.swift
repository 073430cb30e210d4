import DiscaCore
import DiscaSimulation
import DiscaGeometry
import Foundation
import XCTest

final class ImagingModelTests: XCTestCase {
    private func parameters(box: Int = 16, snr: Double = 0.1, tilt: Double = 60, ctf: Bool = true) -> ImagingParameters {
        var p = ImagingParameters()
        p.box = box; p.snr = snr; p.tiltDegrees = tilt; p.applyCTF = ctf
        return p
    }

    private func inputs(box: Int, seed: UInt64 = 4) -> (signal: [Float], noise: [Float]) {
        let blob = Volume.gaussian(cube: box, sigma: 1.8, dz: 1, dy: -2, dx: 2)
        var s = RandomStream(seed: seed, key: RandomKey(.test))
        var noise = [Float](repeating: 0, count: box * box * box)
        noise.withUnsafeMutableBufferPointer { s.fillNormal($0) }
        return (blob.data, noise)
    }

    private func spectrumPower(_ v: [Float], box n: Int) -> [Double] {
        let (re, im) = Volume(depth: n, height: n, width: n, data: v).fourierTransform()
        return zip(re, im).map { $0 * $0 + $1 * $1 }
    }

    /// The achieved SNR, measured in real space on the two components, equals the target.
    func testAchievedSNRMatchesTarget() {
        for snr in [1.0, 0.1, 0.01] {
            let model = ImagingModel(parameters(snr: snr))
            let (x, n) = inputs(box: 16)
            let parts = model.components(signal: x, noise: n)
            let ratio = Volume.meanAndVariance(parts.signal).variance / Volume.meanAndVariance(parts.noise).variance
            XCTAssertEqual(ratio, snr, accuracy: 1e-6 * snr, "snr \(snr)")
            XCTAssertEqual(model.image(signal: x, noise: n).snr, snr, accuracy: 1e-9 * snr)
        }
    }

    /// The fast single-FFT path equals normalize(signal part + noise part) from the two-FFT path.
    func testImageIsNormalizedSumOfComponents() {
        let model = ImagingModel(parameters(box: 12, snr: 0.3))
        let (x, n) = inputs(box: 12, seed: 9)
        let parts = model.components(signal: x, noise: n)
        let expected = Volume(depth: 12, height: 12, width: 12, data: zip(parts.signal, parts.noise).map { $0 + $1 })
            .normalized()
        let y = model.image(signal: x, noise: n).subtomogram
        for i in y.indices { XCTAssertEqual(y[i], expected.data[i], accuracy: 1e-4) }
        let (mean, variance) = Volume.meanAndVariance(y)
        XCTAssertEqual(mean, 0, accuracy: 1e-6); XCTAssertEqual(variance, 1, accuracy: 1e-5)
    }

    /// Signal and noise both lack the missing wedge; the noise is white elsewhere (it is not zero there).
    func testWedgeRemovesBeamAxisComponentsFromSignalAndNoise() {
        let n = 16
        let model = ImagingModel(parameters(box: n, snr: 0.5, tilt: 45))
        let (x, noise) = inputs(box: n)
        let parts = model.components(signal: x, noise: noise)
        let wedge = MissingWedge(maxTiltDegrees: 45)
        let ps = spectrumPower(parts.signal, box: n), pn = spectrumPower(parts.noise, box: n)
        var missingPower = 0.0, keptNoise = 0.0, total = 0.0
        for z in 0..<n { for y in 0..<n { for xx in 0..<n {
            let i = (z * n + y) * n + xx
            total += ps[i] + pn[i]
            if !wedge.keeps(kz: FFT3D.signedFrequency(z, n), ky: FFT3D.signedFrequency(y, n),
                            kx: FFT3D.signedFrequency(xx, n)) {
                missingPower += ps[i] + pn[i]
            } else { keptNoise += pn[i] }
        } } }
        XCTAssertLessThan(missingPower, 1e-10 * total)   // float32 rounding only
        XCTAssertGreaterThan(keptNoise, 0.5 * total)            // at SNR 0.5 most power is noise
    }

    /// With no wedge and no noise the spectrum of the result is CTF(|k|) times that of the input: check the ratio
    /// at frequencies on both sides of the first zero (sign flip included).
    func testCTFMultipliesSpectrum() {
        let n = 16
        var p = parameters(box: n, snr: .infinity, tilt: 90)
        p.voxelSizeAngstrom = 10                                 // Nyquist 1/20 > first zero 1/31.7
        let model = ImagingModel(p)
        let (x, noise) = inputs(box: n)
        let y = model.components(signal: x, noise: noise)
        XCTAssertTrue(y.noise.allSatisfy { $0 == 0 })
        let input = Volume(depth: n, height: n, width: n, data: x).fourierTransform()
        let output = Volume(depth: n, height: n, width: n, data: y.signal).fourierTransform()
        let tolerance = 1e-5 * abs(input.re[0])          // the components come back as float32
        var signsSeen = Set<Bool>()
        for (kz, ky, kx) in [(0, 0, 1), (1, 2, 0), (3, 0, 2), (0, 6, 0), (5, 5, 1), (0, 0, 7)] {
            let i = (kz * n + ky) * n + kx
            let k = (Double(kz * kz + ky * ky + kx * kx)).squareRoot() / Double(n) / 10
            let expected = p.ctf.value(k)
            XCTAssertEqual(output.re[i], expected * input.re[i], accuracy: tolerance)
            XCTAssertEqual(output.im[i], expected * input.im[i], accuracy: tolerance)
            signsSeen.insert(expected > 0)
        }
        XCTAssertEqual(signsSeen, [true, false], "frequencies on both sides of the first zero")
    }

    func testParameterValidation() {
        XCTAssertNil(ImagingParameters().validationProblem())
        var p = ImagingParameters(); p.snr = 0
        XCTAssertNotNil(p.validationProblem())
        p = ImagingParameters(); p.tiltDegrees = 95
        XCTAssertNotNil(p.validationProblem())
        p = ImagingParameters(); p.box = 2
        XCTAssertNotNil(p.validationProblem())
        p = ImagingParameters(); p.snr = .infinity
        XCTAssertNil(p.validationProblem())
    }
}
