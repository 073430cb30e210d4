import DiscaCore
import DiscaGeometry
import DiscaSimulation
import Foundation

/// Everything that sets a simulated tomogram (docs/interfaces.md, `disca simulate-tomogram`).
public struct TomogramSimulationParameters: Sendable {
    /// Tomogram size in voxels along x, y, z (z is the beam axis; tilt about y).
    public var sizeVoxels: (x: Int, y: Int, z: Int) = (256, 256, 96)
    /// Voxel size in angstrom.
    public var voxelSizeAngstrom: Double = 15
    /// Particles of each class.
    public var perClass: Int = 20
    /// Signal variance over noise variance, both after the CTF and the missing wedge, the signal's measured on
    /// cubes of `snrBoxVoxels` around each particle (as `disca simulate` measures it on its boxes).
    public var snr: Double = 0.1
    public var snrBoxVoxels: Int = 24
    public var tiltDegrees: Double = 60
    public var ctf = CTFParameters()
    public var applyCTF = true
    /// Smallest gap in angstrom between the spheres that hold two particles.
    public var gapAngstrom: Double = 10
    public var seed: UInt64 = 0

    public init() {}

    /// A sentence naming the first invalid value, or nil.
    public func validationProblem() -> String? {
        let s = sizeVoxels
        if min(s.x, s.y, s.z) < 16 { return "tomogram size must be at least 16 voxels per axis (got \(s.x) x \(s.y) x \(s.z))" }
        if s.x * s.y * s.z > 1 << 28 { return "tomogram size \(s.x) x \(s.y) x \(s.z) is above the 2^28 voxels simulated in memory" }
        if !(voxelSizeAngstrom > 0 && voxelSizeAngstrom.isFinite) { return "voxel size must be positive (got \(voxelSizeAngstrom))" }
        if perClass < 1 { return "per-class must be at least 1 (got \(perClass))" }
        if !(snr > 0) { return "snr must be positive or inf (got \(snr))" }
        if !(tiltDegrees > 0 && tiltDegrees <= 90) { return "tilt must be in (0, 90] degrees (got \(tiltDegrees))" }
        if !(gapAngstrom >= 0) { return "gap must not be negative (got \(gapAngstrom))" }
        return nil
    }
}

/// One particle placed in a simulated tomogram: its class, centre (tomogram voxels, x fastest, voxel centres at
/// integers) and rotation (the map is turned by `rotation` about its centre, then moved to `position`).
public struct PlacedParticle: Sendable {
    public var classIndex: Int
    public var position: VoxelPosition
    public var rotation: Rotation3
}

/// A crowded synthetic tomogram with known truth (docs/algorithm.md, "Simulated tomograms"):
///
/// 1. Placement: particles of every class in a seeded random order, each at a uniform random position whose
///    sphere (the class's extent radius) lies inside the tomogram and keeps `gap` from every sphere placed before;
///    a particle that finds no room in 2000 tries is left out (and counted).
/// 2. Density: each class map turned by a uniform random rotation and sampled at the voxel size around its
///    position (sub-voxel positions by the sampling shift), added into a zero volume.
/// 3. Imaging: y = IFFT[W CTF X] + sigma IFFT[W N] with N white Gaussian noise, W the missing wedge (tilt about y,
///    beam along z) and sigma set so that the mean over particles of the signal variance in a cube of
///    `snrBoxVoxels` around each particle over the noise variance equals `snr`; then mean 0, SD 1 over the volume.
///    Protein comes out dark (the CTF is negative at low frequency), as in a real tomogram.
public struct TomogramSimulator {
    public let parameters: TomogramSimulationParameters
    public let classes: [SimulationClass]
    /// Extent radius of each class in voxels.
    public let radiiVoxels: [Double]

    public init(classes: [SimulationClass], radiiAngstrom: [Double], parameters: TomogramSimulationParameters) {
        self.classes = classes
        self.parameters = parameters
        radiiVoxels = radiiAngstrom.map { $0 / parameters.voxelSizeAngstrom }
    }

    /// Positions and rotations of the particles (a pure function of the seed), and how many found no room.
    public func placement() -> (particles: [PlacedParticle], leftOut: Int) {
        let p = parameters, s = p.sizeVoxels
        let gap = p.gapAngstrom / p.voxelSizeAngstrom
        var order = RandomStream(seed: p.seed, key: RandomKey(.tomogramSimulation, iteration: 0, item: 0))
        let slots = order.permutation(classes.count * p.perClass).map { $0 / p.perClass }
        // Largest first packs better; the permutation breaks ties between classes of equal size.
        let sorted = slots.enumerated().sorted { a, b in
            radiiVoxels[a.element] != radiiVoxels[b.element] ? radiiVoxels[a.element] > radiiVoxels[b.element] : a.offset < b.offset
        }.map(\.element)
        var placed: [PlacedParticle] = [], leftOut = 0
        var grid = OccupancyGrid(size: s, cell: 2 * (radiiVoxels.max() ?? 1) + gap)
        for (i, c) in sorted.enumerated() {
            var stream = RandomStream(seed: p.seed, key: RandomKey(.tomogramSimulation, iteration: 1, item: i))
            let rotation = Rotation3.uniform(&stream)
            let r = radiiVoxels[c]
            var found: VoxelPosition?
            for _ in 0..<2000 {
                func coordinate(_ n: Int) -> Double { r + stream.uniform() * max(0, Double(n - 1) - 2 * r) }
                let q = VoxelPosition(x: coordinate(s.x), y: coordinate(s.y), z: coordinate(s.z))
                if grid.isFree(q, radius: r, gap: gap) { found = q; break }
            }
            guard let q = found else { leftOut += 1; continue }
            grid.insert(q, radius: r, index: placed.count)
            placed.append(PlacedParticle(classIndex: c, position: q, rotation: rotation))
        }
        return (placed, leftOut)
    }

    /// The noise-free density of the particles, (z, y, x) C order.
    public func density(_ particles: [PlacedParticle], threads: Int = 1) -> [Float] {
        let s = parameters.sizeVoxels
        var volume = [Float](repeating: 0, count: s.x * s.y * s.z)
        // Each particle is sampled on an odd cube (integer centre) and added at the integer part of its position;
        // the fraction moves the content by the sampling shift.
        var rendered = [Volume?](repeating: nil, count: particles.count)
        rendered.withUnsafeMutableBufferPointer { out in
            let base = out.baseAddress!
            ParallelFor.run(count: particles.count, threads: threads) { k in
                let particle = particles[k]
                let half = Int((radiiVoxels[particle.classIndex] + 2).rounded(.up))
                let q = particle.position
                let shift = (x: q.x - q.x.rounded(), y: q.y - q.y.rounded(), z: q.z - q.z.rounded())
                let v = classes[particle.classIndex].map.sample(
                    VolumeTransform(rotation: particle.rotation, shift: shift), box: 2 * half + 1)
                (base + k).initialize(to: v)
            }
        }
        for (k, particle) in particles.enumerated() {
            guard let v = rendered[k] else { continue }
            let half = (v.depth - 1) / 2
            let q = particle.position
            let cx = Int(q.x.rounded()), cy = Int(q.y.rounded()), cz = Int(q.z.rounded())
            for z in 0..<v.depth {
                let tz = cz - half + z
                guard tz >= 0 && tz < s.z else { continue }
                for y in 0..<v.height {
                    let ty = cy - half + y
                    guard ty >= 0 && ty < s.y else { continue }
                    let row = (tz * s.y + ty) * s.x
                    for x in 0..<v.width {
                        let tx = cx - half + x
                        guard tx >= 0 && tx < s.x else { continue }
                        volume[row + tx] += v.data[(z * v.height + y) * v.width + x]
                    }
                }
            }
        }
        return volume
    }

    /// The imaged tomogram (mean 0, SD 1) from the density, and the SNR achieved.
    public func image(density x: [Float], particles: [PlacedParticle]) -> (tomogram: [Float], snr: Double) {
        let p = parameters, s = p.sizeVoxels
        let count = s.x * s.y * s.z
        precondition(x.count == count, "TomogramSimulator.image: expected \(count) voxels")
        var zr = x.map(Double.init)
        var zi = [Double](repeating: 0, count: count)
        for z in 0..<s.z {
            var noise = RandomStream(seed: p.seed, key: RandomKey(.tomogramSimulation, iteration: 2, item: z))
            let base = z * s.y * s.x
            for i in 0..<(s.y * s.x) { zi[base + i] = noise.normal() }
        }
        let fft = FFT3D(depth: s.z, height: s.y, width: s.x)
        fft.forward(&zr, &zi)
        // Z = X + i N with x, n real: X = (Z_k + conj Z_-k) / 2, N = (Z_k - conj Z_-k) / (2 i). The filtered
        // S = W CTF X and M = W N are Hermitian too, so IFFT[S + i M] has real part s and imaginary part m.
        let wedge = MissingWedge(maxTiltDegrees: p.tiltDegrees)
        var yr = [Double](repeating: 0, count: count), yi = yr
        for z in 0..<s.z {
            let kz = FFT3D.signedFrequency(z, s.z), mz = (s.z - z) % s.z
            for y in 0..<s.y {
                let ky = FFT3D.signedFrequency(y, s.y), my = (s.y - y) % s.y
                for xx in 0..<s.x {
                    let kx = FFT3D.signedFrequency(xx, s.x)
                    let i = (z * s.y + y) * s.x + xx, j = (mz * s.y + my) * s.x + (s.x - xx) % s.x
                    guard wedge.keeps(kz: kz, ky: ky, kx: kx) else { continue }
                    let k = (kz * kz + ky * ky + kx * kx).squareRoot() / p.voxelSizeAngstrom
                    let g = p.applyCTF ? p.ctf.value(k) : 1
                    let a = zr[i], b = zi[i], c = zr[j], d = zi[j]
                    let sr = g * (a + c) / 2, si = g * (b - d) / 2, nr = (b + d) / 2, ni = (c - a) / 2
                    yr[i] = sr - ni; yi[i] = si + nr              // S + i M
                }
            }
        }
        zr = []; zi = []
        fft.inverse(&yr, &yi)
        let signalVariance = meanBoxVariance(yr, particles)
        var noiseMean = 0.0, noiseSquares = 0.0
        for v in yi { noiseMean += v; noiseSquares += v * v }
        noiseMean /= Double(count)
        let noiseVariance = noiseSquares / Double(count) - noiseMean * noiseMean
        let sigma = p.snr.isFinite && noiseVariance > 0 ? (signalVariance / (p.snr * noiseVariance)).squareRoot() : 0
        var out = [Float](repeating: 0, count: count)
        var sum = 0.0, squares = 0.0
        for i in 0..<count {
            let v = yr[i] + sigma * yi[i]
            sum += v; squares += v * v
            out[i] = Float(v)
        }
        let mean = sum / Double(count), sd = max(1e-30, (squares / Double(count) - mean * mean).squareRoot())
        for i in 0..<count { out[i] = Float((Double(out[i]) - mean) / sd) }
        let achieved = sigma > 0 ? signalVariance / (sigma * sigma * noiseVariance) : .infinity
        return (out, achieved)
    }

    /// Mean over particles of the variance of `signal` in the cube of `snrBoxVoxels` about each (clipped to the
    /// tomogram).
    func meanBoxVariance(_ signal: [Double], _ particles: [PlacedParticle]) -> Double {
        let s = parameters.sizeVoxels, h = parameters.snrBoxVoxels / 2
        guard !particles.isEmpty else { return 0 }
        var total = 0.0
        for particle in particles {
            let q = particle.position
            let cx = Int(q.x.rounded()), cy = Int(q.y.rounded()), cz = Int(q.z.rounded())
            var n = 0.0, sum = 0.0, squares = 0.0
            for z in max(0, cz - h)..<min(s.z, cz + h) {
                for y in max(0, cy - h)..<min(s.y, cy + h) {
                    let row = (z * s.y + y) * s.x
                    for x in max(0, cx - h)..<min(s.x, cx + h) {
                        let v = signal[row + x]
                        sum += v; squares += v * v; n += 1
                    }
                }
            }
            if n > 1 { total += squares / n - (sum / n) * (sum / n) }
        }
        return total / Double(particles.count)
    }
}
