import DiscaCore
import DiscaGeometry

/// Every parameter of the simulated imaging (defaults: the paper's, docs/algorithm.md section 9).
public struct ImagingParameters: Codable, Sendable, Equatable {
    /// Cubic box side in voxels.
    public var box: Int = 24
    /// Voxel size of the subtomograms in angstrom.
    public var voxelSizeAngstrom: Double = 13.33
    /// Signal variance over noise variance, both measured on the box after the missing wedge;
    /// `.infinity` gives noise-free subtomograms.
    public var snr: Double = 0.1
    /// Largest tilt of the tilt series in degrees (`60` = +-60); 90 or more means no missing wedge.
    public var tiltDegrees: Double = 60
    /// Microscope parameters of the CTF.
    public var ctf = CTFParameters()
    /// Whether the CTF is applied at all.
    public var applyCTF = true
    /// Each of the three shift components is uniform in [-maxShiftVoxels, +maxShiftVoxels].
    public var maxShiftVoxels: Double = 2

    public init() {}

    /// A sentence naming the first invalid value, or nil.
    public func validationProblem() -> String? {
        if box < 4 { return "box must be at least 4 voxels (got \(box))" }
        if box > 256 { return "box must be at most 256 voxels (got \(box))" }
        if !(voxelSizeAngstrom > 0 && voxelSizeAngstrom.isFinite) { return "voxel size must be positive (got \(voxelSizeAngstrom))" }
        if !(snr > 0) { return "snr must be positive or inf (got \(snr))" }
        if !(tiltDegrees > 0 && tiltDegrees <= 90) { return "tilt must be in (0, 90] degrees (got \(tiltDegrees))" }
        if !(ctf.voltageKilovolt > 0) { return "voltage must be positive (got \(ctf.voltageKilovolt) kV)" }
        if !(ctf.sphericalAberrationMillimetre >= 0) { return "Cs must not be negative" }
        if !(ctf.amplitudeContrast >= 0 && ctf.amplitudeContrast < 1) { return "amplitude contrast must be in [0, 1)" }
        if !(maxShiftVoxels >= 0 && maxShiftVoxels < Double(box) / 4) { return "max shift must be in [0, box / 4)" }
        return nil
    }
}

/// The imaging model applied to one rotated, shifted map x (box^3), with white noise n ~ N(0, 1) per voxel:
///
///     y = normalize( IFFT[ W(k) ( CTF(|k|) X(k) + sigma N(k) ) ] )
///
/// W is the missing-wedge mask (`MissingWedge`), CTF the contrast transfer (`CTFParameters`), X and N the 3D DFTs
/// of x and n. The noise is added before the wedge, as in a weighted back-projection of noisy projections, so the
/// noise lacks the same wedge as the signal. sigma is chosen per subtomogram so that
///
///     var(IFFT[W CTF X]) / var(IFFT[sigma W N]) = snr
///
/// measured on the box (Parseval: the variance of a real map is the sum of |F(k)|^2 over k != 0 over voxels^2).
/// Finally each subtomogram is normalized to mean 0 and standard deviation 1.
///
/// Both real maps share one complex FFT (z = x + i n; X and N are separated by Hermitian symmetry), so a
/// subtomogram costs one forward and one inverse 3D FFT.
public final class ImagingModel: @unchecked Sendable {
    public let parameters: ImagingParameters
    let fft: FFT3D
    /// Filters on the box's FFT grid, (kz, ky, kx): W CTF and W.
    let signalFilter: [Double]
    let noiseFilter: [Double]

    public init(_ parameters: ImagingParameters) {
        self.parameters = parameters
        let n = parameters.box
        fft = FFT3D(cube: n)
        let wedge = MissingWedge(maxTiltDegrees: parameters.tiltDegrees).mask(cube: n)
        var signal = [Double](repeating: 0, count: n * n * n), noise = signal
        FFT3D.forEachFrequency(depth: n, height: n, width: n) { i, kz, ky, kx in
            let k = (kz * kz + ky * ky + kx * kx).squareRoot() / parameters.voxelSizeAngstrom   // 1/angstrom
            let ctf = parameters.applyCTF ? parameters.ctf.value(k) : 1
            noise[i] = Double(wedge[i])
            signal[i] = Double(wedge[i]) * ctf
        }
        signalFilter = signal
        noiseFilter = noise
    }

    /// The separated, filtered spectra of one subtomogram before mixing: S = W CTF X and M = W N, with the
    /// variances of their real-space maps.
    struct Spectra {
        var signalRe: [Double], signalIm: [Double], noiseRe: [Double], noiseIm: [Double]
        var signalVariance: Double, noiseVariance: Double
    }

    func spectra(signal x: [Float], noise: [Float]) -> Spectra {
        let n = parameters.box, count = n * n * n
        var zr = x.map(Double.init), zi = noise.map(Double.init)
        fft.forward(&zr, &zi)
        var sr = [Double](repeating: 0, count: count), si = sr, mr = sr, mi = sr
        var ps = 0.0, pn = 0.0
        for z in 0..<n {
            let nz = (n - z) % n
            for y in 0..<n {
                let ny = (n - y) % n
                for xx in 0..<n {
                    let i = (z * n + y) * n + xx, j = (nz * n + ny) * n + (n - xx) % n   // j: index of -k
                    // Z = X + i N with X, N Hermitian: X = (Z_k + conj Z_-k) / 2, N = (Z_k - conj Z_-k) / (2 i).
                    let a = zr[i], b = zi[i], c = zr[j], d = zi[j]
                    let xr = (a + c) / 2, xi = (b - d) / 2, nr = (b + d) / 2, ni = (c - a) / 2
                    let g = signalFilter[i], h = noiseFilter[i]
                    sr[i] = g * xr; si[i] = g * xi; mr[i] = h * nr; mi[i] = h * ni
                    if i != 0 {
                        ps += sr[i] * sr[i] + si[i] * si[i]
                        pn += mr[i] * mr[i] + mi[i] * mi[i]
                    }
                }
            }
        }
        let v2 = Double(count) * Double(count)
        return Spectra(signalRe: sr, signalIm: si, noiseRe: mr, noiseIm: mi,
                       signalVariance: ps / v2, noiseVariance: pn / v2)
    }

    /// The noise scale sigma that gives the target SNR (0 for snr = inf or a flat noise map).
    func noiseScale(_ s: Spectra) -> Double {
        guard parameters.snr.isFinite, s.noiseVariance > 0 else { return 0 }
        return (s.signalVariance / (parameters.snr * s.noiseVariance)).squareRoot()
    }

    /// One subtomogram from a sampled map `x` and white noise `noise` (both box^3, C order): normalized
    /// W (CTF X + sigma N). Returns the map and the achieved signal variance / noise variance.
    /// Two sweeps over the spectrum of z = x + i n (powers, then the mix), so no separate S and M are stored;
    /// `components` is the plain two-FFT version it is tested against.
    public func image(signal x: [Float], noise: [Float]) -> (subtomogram: [Float], snr: Double) {
        let n = parameters.box, count = n * n * n
        precondition(x.count == count && noise.count == count, "ImagingModel: expected \(count) voxels")
        var zr = x.map(Double.init), zi = noise.map(Double.init)
        fft.forward(&zr, &zi)
        var yr = [Double](repeating: 0, count: count), yi = yr
        var ps = 0.0, pn = 0.0
        // Sweep 1: |W CTF X|^2 and |W N|^2 summed over k != 0.
        zr.withUnsafeBufferPointer { zr in zi.withUnsafeBufferPointer { zi in
            signalFilter.withUnsafeBufferPointer { g in noiseFilter.withUnsafeBufferPointer { h in
                forEachPair(n) { i, j in
                    let a = zr[i], b = zi[i], c = zr[j], d = zi[j]
                    let xr = (a + c) / 2, xi = (b - d) / 2, nr = (b + d) / 2, ni = (c - a) / 2
                    ps += g[i] * g[i] * (xr * xr + xi * xi)
                    pn += h[i] * h[i] * (nr * nr + ni * ni)
                }
                let v2 = Double(count) * Double(count)
                let spectra = Spectra(signalRe: [], signalIm: [], noiseRe: [], noiseIm: [],
                                      signalVariance: ps / v2, noiseVariance: pn / v2)
                let sigma = noiseScale(spectra)
                ps = spectra.signalVariance; pn = sigma * sigma * spectra.noiseVariance
                // Sweep 2: Y = W CTF X + sigma W N.
                yr.withUnsafeMutableBufferPointer { yr in yi.withUnsafeMutableBufferPointer { yi in
                    forEachPair(n) { i, j in
                        let a = zr[i], b = zi[i], c = zr[j], d = zi[j]
                        let gs = g[i] / 2, hs = sigma * h[i] / 2
                        yr[i] = gs * (a + c) + hs * (b + d)
                        yi[i] = gs * (b - d) + hs * (c - a)
                    }
                } }
            } }
        } }
        fft.inverse(&yr, &yi)
        var v = Volume(depth: n, height: n, width: n, data: yr.map { Float($0) })
        v.normalize()
        return (v.data, pn > 0 ? ps / pn : .infinity)
    }

    /// Calls body(i, j) for every frequency index i of the n^3 grid except 0, with j the index of -k.
    @inline(__always) private func forEachPair(_ n: Int, _ body: (Int, Int) -> Void) {
        for z in 0..<n {
            let nz = (n - z) % n
            for y in 0..<n {
                let ny = (n - y) % n
                let row = (z * n + y) * n, mirror = (nz * n + ny) * n
                for x in 0..<n where row + x != 0 { body(row + x, mirror + (n - x) % n) }
            }
        }
    }

    /// The two parts of a subtomogram before they are summed and normalized, in real space:
    /// IFFT[W CTF X] and IFFT[sigma W N] (two inverse FFTs; for tests and figures).
    public func components(signal x: [Float], noise: [Float]) -> (signal: [Float], noise: [Float]) {
        var s = spectra(signal: x, noise: noise)
        let sigma = noiseScale(s)
        fft.inverse(&s.signalRe, &s.signalIm)
        for i in s.noiseRe.indices { s.noiseRe[i] *= sigma; s.noiseIm[i] *= sigma }
        fft.inverse(&s.noiseRe, &s.noiseIm)
        return (s.signalRe.map { Float($0) }, s.noiseRe.map { Float($0) })
    }
}
