import Foundation

/// The missing wedge of a single-axis tilt series: tilt about the y axis, beam along z, tilts in
/// [-maxTilt, +maxTilt]. By the central-slice theorem the projection at tilt alpha measures the Fourier plane
/// perpendicular to the tilted beam (sin alpha, 0, cos alpha), i.e. kx sin(alpha) + kz cos(alpha) = 0. A component
/// (kx, ky, kz) is therefore measured iff the direction of (kx, kz) makes an angle of at most maxTilt with the kx
/// axis:
///
///     kept  <=>  |kz| <= tan(maxTilt) |kx|        (ky is free; the ky axis itself, kx = kz = 0, is kept)
///
/// The missing region is the double wedge of half-angle 90 - maxTilt around the kz (beam) axis; `tilt 60` leaves
/// a 30 degree half-wedge. maxTilt >= 90 keeps everything.
public struct MissingWedge: Codable, Sendable, Equatable {
    public var maxTiltDegrees: Double

    public init(maxTiltDegrees: Double) { self.maxTiltDegrees = maxTiltDegrees }

    /// Whether the component with frequencies (kz, ky, kx) (any common unit) is measured.
    @inline(__always) public func keeps(kz: Double, ky: Double, kx: Double) -> Bool {
        if maxTiltDegrees >= 90 { return true }
        let t = tan(maxTiltDegrees * Double.pi / 180)
        return abs(kz) <= t * abs(kx) * (1 + 1e-12) + 1e-15
    }

    /// The 0/1 mask on an n^3 FFT grid (index order (kz, ky, kx), frequencies as in `FFT3D.signedFrequency`).
    public func mask(cube n: Int) -> [Float] {
        var m = [Float](repeating: 0, count: n * n * n)
        for z in 0..<n {
            let kz = FFT3D.signedFrequency(z, n)
            for y in 0..<n {
                for x in 0..<n where keeps(kz: kz, ky: FFT3D.signedFrequency(y, n), kx: FFT3D.signedFrequency(x, n)) {
                    m[(z * n + y) * n + x] = 1
                }
            }
        }
        return m
    }
}
