import DiscaGeometry
import Foundation

/// The contrast transfer function of a transmission electron microscope (weak-phase approximation, no envelope).
///
/// Convention used here (Mindell & Grigorieff 2003, written with the paper's parameters):
///
///     CTF(k)  = -[ sqrt(1 - A^2) sin(chi(k)) + A cos(chi(k)) ]
///     chi(k)  = pi lambda dz k^2 - (pi / 2) Cs lambda^3 k^4
///
/// k spatial frequency (1/angstrom), lambda the relativistic electron wavelength, A the amplitude contrast,
/// Cs the spherical aberration, and dz = -defocus the *underfocus* (positive when the specimen is under-focused).
/// The `defocusMicrometre` field follows the paper and AITom: negative means underfocus, so the default -5 um gives
/// dz = +5 um = 50,000 angstrom. With this sign CTF(0) = -A < 0 and the first lobe is negative: positive density
/// (protein) comes out with negative contrast, dark on a light background, as in real micrographs.
///
/// First zero: chi rises from 0, so the first zero is where chi(k1) = pi - asin(A) (there
/// sqrt(1 - A^2) sin chi = -A cos chi), the smaller root of the quadratic in k^2:
///
///     k1^2 = [lambda dz - sqrt(lambda^2 dz^2 - 2 Cs lambda^3 (1 - asin(A) / pi))] / (Cs lambda^3)
///
/// (about 1 / 31.7 angstrom at 300 kV, 5 um underfocus, A = 0.07).
public struct CTFParameters: Codable, Sendable, Equatable {
    /// Acceleration voltage in kilovolt.
    public var voltageKilovolt: Double = 300
    /// Defocus in micrometre; negative = underfocus (the usual imaging condition).
    public var defocusMicrometre: Double = -5
    /// Spherical aberration in millimetre.
    public var sphericalAberrationMillimetre: Double = 2.7
    /// Fraction of amplitude contrast, 0..<1.
    public var amplitudeContrast: Double = 0.07

    public init(voltageKilovolt: Double = 300, defocusMicrometre: Double = -5,
                sphericalAberrationMillimetre: Double = 2.7, amplitudeContrast: Double = 0.07) {
        self.voltageKilovolt = voltageKilovolt
        self.defocusMicrometre = defocusMicrometre
        self.sphericalAberrationMillimetre = sphericalAberrationMillimetre
        self.amplitudeContrast = amplitudeContrast
    }

    /// Relativistic electron wavelength in angstrom: h / sqrt(2 m e V (1 + e V / (2 m c^2))).
    public var wavelengthAngstrom: Double {
        let volts = voltageKilovolt * 1000
        return 12.264_259_5 / (volts * (1 + 0.978_475_7e-6 * volts)).squareRoot()
    }

    /// Underfocus dz in angstrom (= -defocus).
    public var underfocusAngstrom: Double { -defocusMicrometre * 1e4 }

    public var sphericalAberrationAngstrom: Double { sphericalAberrationMillimetre * 1e7 }

    /// The phase shift chi(k) for k in 1/angstrom.
    public func chi(_ k: Double) -> Double {
        let lambda = wavelengthAngstrom, k2 = k * k
        return Double.pi * lambda * underfocusAngstrom * k2
            - Double.pi / 2 * sphericalAberrationAngstrom * lambda * lambda * lambda * k2 * k2
    }

    /// CTF(k) for k in 1/angstrom.
    public func value(_ k: Double) -> Double {
        let a = amplitudeContrast, c = chi(k)
        return -((1 - a * a).squareRoot() * sin(c) + a * cos(c))
    }

    /// The analytic first zero in 1/angstrom (nil when not underfocused enough for a real root).
    public var firstZeroFrequency: Double? {
        let lambda = wavelengthAngstrom, dz = underfocusAngstrom, cs = sphericalAberrationAngstrom
        let target = 1 - asin(amplitudeContrast) / Double.pi            // chi / pi at the first zero
        if cs == 0 { return dz > 0 ? (target / (lambda * dz)).squareRoot() : nil }
        let l3 = lambda * lambda * lambda
        let disc = lambda * lambda * dz * dz - 2 * cs * l3 * target
        guard dz > 0, disc >= 0 else { return nil }
        return ((lambda * dz - disc.squareRoot()) / (cs * l3)).squareRoot()
    }
}

