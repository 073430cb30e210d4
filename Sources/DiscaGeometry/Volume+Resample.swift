import Foundation

extension Volume {
    /// The forward 3D DFT of this (real) map as split Double arrays, index order (kz, ky, kx).
    public func fourierTransform() -> (re: [Double], im: [Double]) {
        var re = data.map(Double.init), im = [Double](repeating: 0, count: count)
        FFT3D(depth: depth, height: height, width: width).forward(&re, &im)
        return (re, im)
    }

    /// The real part of the inverse 3D DFT of (re, im) on a (depth, height, width) grid.
    public static func inverseFourierTransform(_ re: [Double], _ im: [Double], depth: Int, height: Int,
                                               width: Int) -> Volume {
        var r = re, i = im
        FFT3D(depth: depth, height: height, width: width).inverse(&r, &i)
        return Volume(depth: depth, height: height, width: width, data: r.map { Float($0) })
    }

    /// Multiplies the spectrum by `filter(|k|)` where |k| is in cycles per voxel (0 ... ~0.87), and returns the
    /// real part of the result.
    public func filtered(_ filter: (Double) -> Double) -> Volume {
        var (re, im) = fourierTransform()
        FFT3D.forEachFrequency(depth: depth, height: height, width: width) { i, kz, ky, kx in
            let g = filter((kz * kz + ky * ky + kx * kx).squareRoot())
            re[i] *= g; im[i] *= g
        }
        return Volume.inverseFourierTransform(re, im, depth: depth, height: height, width: width)
    }

    /// Low-pass with a raised-cosine edge: 1 below `(1 - edge) * cutoff`, 0 above `cutoff` (cycles per voxel).
    public func lowPassed(cutoff: Double, edge: Double = 0.15) -> Volume {
        filtered { LowPass.raisedCosine($0, cutoff: cutoff, edge: edge) }
    }

    /// Fourier crop (n smaller) or zero-pad (n larger) to an n^3 cube: an ideal low-pass resampling that keeps the
    /// physical extent, so the voxel size becomes `voxelSize * size / n`. Values keep their scale (a smooth map
    /// keeps its values). Both Nyquist planes of an even grid are dropped, so the result is exactly real.
    /// The box centres ((size - 1) / 2 and (n - 1) / 2) stay at the same physical place: the spectrum is first
    /// phase-shifted by delta = (size / n - 1) / 2 source voxels (f'(p) = f(p + delta)), since a plain crop or pad
    /// keeps voxel 0 in place instead.
    public func fourierResized(toCube n: Int) -> Volume {
        precondition(isCube, "fourierResized: the map must be a cube")
        let m = depth
        let (re, im) = fourierTransform()
        var outR = [Double](repeating: 0, count: n * n * n), outI = outR
        // Frequencies strictly inside both grids' Nyquist limits: |k| < min(m, n) / 2 (in index units).
        let limit = (min(m, n) - 1) / 2
        let delta = (Double(m) / Double(n) - 1) / 2
        let phase = (-limit...limit).map { 2 * Double.pi * Double($0) * delta / Double(m) }   // per axis
        func source(_ k: Int) -> Int { k >= 0 ? k : m + k }
        func target(_ k: Int) -> Int { k >= 0 ? k : n + k }
        for kz in -limit...limit {
            for ky in -limit...limit {
                for kx in -limit...limit {
                    let s = (source(kz) * m + source(ky)) * m + source(kx)
                    let t = (target(kz) * n + target(ky)) * n + target(kx)
                    let angle = phase[kz + limit] + phase[ky + limit] + phase[kx + limit]
                    let c = cos(angle), sn = sin(angle)
                    outR[t] = re[s] * c - im[s] * sn; outI[t] = re[s] * sn + im[s] * c
                }
            }
        }
        var out = Volume.inverseFourierTransform(outR, outI, depth: n, height: n, width: n)
        let scale = Float(Double(n * n * n) / Double(m * m * m))
        for i in out.data.indices { out.data[i] *= scale }
        return out
    }

    /// Resamples a cubic map from `voxelSizeAngstrom` to a `box^3` grid of `targetVoxelSizeAngstrom`, keeping the
    /// box centre: band-limits to the target Nyquist frequency and oversamples (see `BandLimitedMap`), then samples
    /// by trilinear interpolation. The same path the simulator takes, without rotation or shift.
    public func resampled(voxelSizeAngstrom a: Double, toVoxelSizeAngstrom b: Double, box: Int) -> Volume {
        BandLimitedMap(self, voxelSizeAngstrom: a, targetVoxelSizeAngstrom: b)
            .sample(VolumeTransform(), box: box)
    }
}

/// Filter shapes shared by the resampling and imaging code.
public enum LowPass {
    /// 1 for k <= (1 - edge) cutoff, 0 for k >= cutoff, a half cosine between.
    @inline(__always) public static func raisedCosine(_ k: Double, cutoff: Double, edge: Double) -> Double {
        let start = (1 - edge) * cutoff
        if k <= start { return 1 }
        if k >= cutoff { return 0 }
        return 0.5 * (1 + cos(Double.pi * (k - start) / (cutoff - start)))
    }

    /// The smallest n' >= n whose prime factors are 2, 3 and 5 (fast FFT sizes).
    public static func fastSize(atLeast n: Int) -> Int {
        var m = max(1, n)
        while true {
            var r = m
            for p in [2, 3, 5] { while r % p == 0 { r /= p } }
            if r == 1 { return m }
            m += 1
        }
    }
}

/// A map prepared for repeated sampling at a coarser voxel size: band-limited to the target Nyquist frequency
/// 1 / (2 b) and sampled at least twice as finely as the target (voxel <= b / 2), so trilinear interpolation at the
/// target grid is accurate (its sinc^2 attenuation is below 12% at the band edge) and nothing aliases.
public struct BandLimitedMap: Sendable {
    /// The prepared map (cube).
    public let volume: Volume
    /// Its voxel size in angstrom.
    public let voxelSizeAngstrom: Double
    /// The voxel size it is meant to be sampled at.
    public let targetVoxelSizeAngstrom: Double

    public init(_ map: Volume, voxelSizeAngstrom a: Double, targetVoxelSizeAngstrom b: Double) {
        precondition(map.isCube && a > 0 && b > 0, "BandLimitedMap: a cubic map and positive voxel sizes")
        var v = map, size = a
        if a > b / 2 {
            // Fourier-pad so the voxel size becomes at most b / 2.
            let n = LowPass.fastSize(atLeast: Int((Double(map.depth) * a / (b / 2)).rounded(.up)))
            v = map.fourierResized(toCube: n)
            size = a * Double(map.depth) / Double(n)
        }
        // Cut at the target Nyquist frequency 1 / (2 b), in cycles per voxel of the prepared map.
        let cutoff = size / (2 * b)
        volume = cutoff < 0.5 ? v.lowPassed(cutoff: cutoff) : v
        voxelSizeAngstrom = size
        targetVoxelSizeAngstrom = b
    }

    /// Samples `box^3` voxels of the target size; the transform's rotation and shift (in target voxels) apply about
    /// the box centres, the scale is set from the voxel sizes.
    public func sample(_ transform: VolumeTransform, box: Int) -> Volume {
        var t = transform
        t.scale = targetVoxelSizeAngstrom / voxelSizeAngstrom
        return volume.transformed(t, depth: box, height: box, width: box, fill: 0)
    }
}
