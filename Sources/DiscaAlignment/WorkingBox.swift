import DiscaGeometry
import Foundation

/// The working grid of alignment: Fourier cropping of subtomograms to `box`, the band-limit and missing wedge of
/// templates, and the soft spherical mask, all on a box^3 grid (index order z, y, x).
public struct WorkingBox: Sendable {
    public let box: Int
    /// Missing wedge times low-pass, per Fourier voxel (FFT index order).
    let fourierFilter: [Double]
    /// Low-pass alone (for references, which have no wedge of their own).
    let lowPass: [Double]
    /// Soft spherical mask per voxel.
    public let mask: [Float]
    let fft: FFT3D

    public init(options o: AlignmentSettings) {
        let n = o.box
        box = n
        fft = FFT3D(cube: n)
        let wedge = MissingWedge(maxTiltDegrees: o.tiltDegrees)
        let cutoff = 0.5 * o.lowPassFraction
        var f = [Double](repeating: 0, count: n * n * n), l = f
        FFT3D.forEachFrequency(depth: n, height: n, width: n) { i, kz, ky, kx in
            let g = LowPass.raisedCosine((kz * kz + ky * ky + kx * kx).squareRoot(), cutoff: cutoff, edge: 0.3)
            l[i] = g
            f[i] = wedge.keeps(kz: kz, ky: ky, kx: kx) ? g : 0
        }
        fourierFilter = f
        lowPass = l
        var m = [Float](repeating: 0, count: n * n * n)
        let c = Double(n - 1) / 2, outer = o.maskRadiusFraction * Double(n) / 2, inner = max(outer - 2, 0)
        for z in 0..<n { for y in 0..<n { for x in 0..<n {
            let r = ((Double(z) - c) * (Double(z) - c) + (Double(y) - c) * (Double(y) - c)
                     + (Double(x) - c) * (Double(x) - c)).squareRoot()
            let v = r <= inner ? 1 : r >= outer ? 0 : 0.5 * (1 + cos(Double.pi * (r - inner) / (outer - inner)))
            m[(z * n + y) * n + x] = Float(v)
        } } }
        mask = m
    }

    public var voxels: Int { box * box * box }

    /// A subtomogram of any cubic box as seen on the working grid: Fourier-cropped, mean 0 and SD 1.
    public func particle(_ values: UnsafeBufferPointer<Float>, box d: Int) -> [Float] {
        let v = Volume(depth: d, height: d, width: d, data: Array(values))
        return (d == box ? v : v.fourierResized(toCube: box)).normalized().data
    }

    /// `volume` filtered in Fourier space by `filter` (real part of the inverse transform).
    func filtered(_ volume: [Float], _ filter: [Double]) -> [Float] {
        var re = volume.map(Double.init), im = [Double](repeating: 0, count: volume.count)
        fft.forward(&re, &im)
        for i in re.indices { re[i] *= filter[i]; im[i] *= filter[i] }
        fft.inverse(&re, &im)
        return re.map { Float($0) }
    }

    /// A template: `reference` rotated by `rotation`, seen through the missing wedge and the band limit, masked,
    /// mean-free inside the mask and of unit norm (all zero when the reference is empty).
    public func template(_ reference: Volume, rotation: Rotation3, wedge: Bool = true) -> [Float] {
        var t = filtered(reference.rotated(by: rotation).data, wedge ? fourierFilter : lowPass)
        WorkingBox.maskedUnit(&t, mask)
        return t
    }

    /// A reference from a sum of aligned subtomograms: low-passed, masked, mean-free inside the mask, unit norm.
    public func reference(fromSum sum: [Float]) -> [Float] {
        var r = filtered(sum, lowPass)
        WorkingBox.maskedUnit(&r, mask)
        return r
    }

    /// x <- mask * (x - masked mean), then scaled to unit norm.
    static func maskedUnit(_ x: inout [Float], _ mask: [Float]) {
        var s = 0.0, w = 0.0
        for i in x.indices { s += Double(x[i] * mask[i]); w += Double(mask[i]) }
        let mean = Float(s / max(w, 1e-12))
        var norm = 0.0
        for i in x.indices { x[i] = (x[i] - mean) * mask[i]; norm += Double(x[i] * x[i]) }
        let scale = norm > 0 ? Float(1 / norm.squareRoot()) : 0
        for i in x.indices { x[i] *= scale }
    }

    /// `x` moved by the integer shift (content at p goes to p + shift), zero where it comes from outside.
    public func shifted(_ values: [Float], by s: (x: Int, y: Int, z: Int), into out: UnsafeMutablePointer<Float>) {
        let n = box
        out.update(repeating: 0, count: n * n * n)
        for z in max(0, s.z)..<min(n, n + s.z) {
            for y in max(0, s.y)..<min(n, n + s.y) {
                let src = ((z - s.z) * n + (y - s.y)) * n, dst = (z * n + y) * n
                for x in max(0, s.x)..<min(n, n + s.x) { out[dst + x] = values[src + x - s.x] }
            }
        }
    }
}
