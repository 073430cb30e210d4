import DiscaCore
import DiscaGeometry
import Foundation

/// Rotation-invariant profiles of a subtomogram, without any training: the radial density profile (mean value in
/// spherical shells about the box centre) and the log radial power spectrum (mean |F|^2 in shells of spatial
/// frequency). Both are invariant to rotations about the centre and, the power spectrum, to shifts. They guide the
/// first training labels (`loop.initial_labels = "profiles"`): clustering an untrained network's features at
/// realistic SNR gives labels that carry little structure (at SNR 0.1 BIC picks K = 2 and nothing is learned),
/// while these profiles carry size and mass distribution from the start.
public struct ProfileFeatures {
    public let box: Int
    let shells: Int
    let shellOfVoxel: [Int32]       // real-space shell per voxel
    let shellOfFrequency: [Int32]   // frequency shell per Fourier voxel (-1: beyond Nyquist)
    let fft: FFT3D

    public init(box: Int) {
        self.box = box
        shells = box / 2
        let c = Double(box - 1) / 2
        var real = [Int32](repeating: 0, count: box * box * box)
        var freq = [Int32](repeating: -1, count: box * box * box)
        for z in 0..<box { for y in 0..<box { for x in 0..<box {
            let i = (z * box + y) * box + x
            let r = ((Double(z) - c) * (Double(z) - c) + (Double(y) - c) * (Double(y) - c) + (Double(x) - c) * (Double(x) - c)).squareRoot()
            real[i] = Int32(min(Int(r), box / 2 - 1))
            let kz = FFT3D.signedFrequency(z, box), ky = FFT3D.signedFrequency(y, box), kx = FFT3D.signedFrequency(x, box)
            let k = (kz * kz + ky * ky + kx * kx).squareRoot() * Double(box)   // in cycles per box
            if k >= 1 && k < Double(box / 2) + 1 { freq[i] = Int32(min(Int(k) - 1, box / 2 - 1)) }
        } } }
        shellOfVoxel = real
        shellOfFrequency = freq
        fft = FFT3D(cube: box)
    }

    /// Width of the profile vector: `shells` radial densities and `shells` log powers.
    public var width: Int { 2 * shells }

    /// Profiles of `count` subtomograms (count, D^3) into (count, width).
    public func compute(_ x: UnsafePointer<Float>, count: Int) -> [Float] {
        let v = box * box * box
        var out = [Float](repeating: 0, count: count * width)
        var re = [Double](repeating: 0, count: v), im = [Double](repeating: 0, count: v)
        var sums = [Double](repeating: 0, count: shells), counts = [Double](repeating: 0, count: shells)
        for s in 0..<count {
            let src = x + s * v
            for j in 0..<shells { sums[j] = 0; counts[j] = 0 }
            for i in 0..<v { sums[Int(shellOfVoxel[i])] += Double(src[i]); counts[Int(shellOfVoxel[i])] += 1 }
            for j in 0..<shells { out[s * width + j] = Float(sums[j] / max(counts[j], 1)) }
            for i in 0..<v { re[i] = Double(src[i]); im[i] = 0 }
            fft.forward(&re, &im)
            for j in 0..<shells { sums[j] = 0; counts[j] = 0 }
            for i in 0..<v where shellOfFrequency[i] >= 0 {
                sums[Int(shellOfFrequency[i])] += re[i] * re[i] + im[i] * im[i]
                counts[Int(shellOfFrequency[i])] += 1
            }
            for j in 0..<shells { out[s * width + shells + j] = Float(log(max(sums[j] / max(counts[j], 1), 1e-12))) }
        }
        return out
    }
}
