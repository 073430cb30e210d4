import DiscaCore
import DiscaGeometry
import DiscaIO

/// One class of simulated particles: a name and its map, band-limited for sampling at the target voxel size.
public struct SimulationClass: Sendable {
    public let name: String
    public let map: BandLimitedMap

    public init(name: String, map: BandLimitedMap) { self.name = name; self.map = map }

    /// A built-in phantom rendered at half the target voxel size over the same physical box.
    public init(phantom: Phantom, parameters: ImagingParameters) {
        let half = parameters.voxelSizeAngstrom / 2
        let volume = phantom.render(cube: 2 * parameters.box, voxelSizeAngstrom: half)
        self.init(name: phantom.name,
                  map: BandLimitedMap(volume, voxelSizeAngstrom: half,
                                      targetVoxelSizeAngstrom: parameters.voxelSizeAngstrom))
    }

    /// A density map (cube, isotropic voxels) band-limited for the target voxel size.
    public init(name: String, map: Volume, voxelSizeAngstrom: Double, parameters: ImagingParameters) {
        self.init(name: name, map: BandLimitedMap(map, voxelSizeAngstrom: voxelSizeAngstrom,
                                                  targetVoxelSizeAngstrom: parameters.voxelSizeAngstrom))
    }
}

/// Simulated subtomograms with known classes. Subtomogram i and its label are a pure function of (seed, i) and
/// the parameters, so every rank can produce its own rows independently and the result never depends on the
/// number of ranks.
///
/// Labels: `perClass` copies of each class in a seeded random order (a permutation of the K * perClass slots,
/// stream (seed, .simulation, iteration 1)); slot s belongs to class s / perClass.
/// Subtomogram i: stream (seed, .simulation, iteration 0, index i) draws a uniform rotation (4 normals), a shift
/// (3 uniforms in [-maxShift, maxShift] voxels along x, y, z) and box^3 normals of white noise, in that order;
/// the class map is rotated about its centre, shifted, sampled at the target voxel size (`BandLimitedMap`) and
/// imaged (`ImagingModel`).
public final class Simulator: @unchecked Sendable {
    public let classes: [SimulationClass]
    public let perClass: Int
    public let parameters: ImagingParameters
    public let seed: UInt64
    public let model: ImagingModel
    /// Label of every subtomogram (N).
    public let labels: [Int32]

    public init(classes: [SimulationClass], perClass: Int, parameters: ImagingParameters, seed: UInt64) {
        precondition(!classes.isEmpty && perClass > 0, "Simulator: at least one class and one per class")
        self.classes = classes; self.perClass = perClass; self.parameters = parameters; self.seed = seed
        model = ImagingModel(parameters)
        var stream = RandomStream(seed: seed, key: RandomKey(.simulation, iteration: 1, item: 0))
        labels = stream.permutation(classes.count * perClass).map { Int32($0 / perClass) }
    }

    public var count: Int { labels.count }
    public var classNames: [String] { classes.map(\.name) }

    /// Rotation and shift of subtomogram i, and the stream positioned for its noise.
    func pose(_ i: Int) -> (Rotation3, (x: Double, y: Double, z: Double), RandomStream) {
        var stream = RandomStream(seed: seed, key: RandomKey(.simulation, iteration: 0, item: i))
        let rotation = Rotation3.uniform(&stream)
        let m = parameters.maxShiftVoxels
        let shift = (x: (2 * stream.uniform() - 1) * m, y: (2 * stream.uniform() - 1) * m,
                     z: (2 * stream.uniform() - 1) * m)
        return (rotation, shift, stream)
    }

    /// The rotated, shifted, noise-free map of subtomogram i at the target voxel size, and its white noise.
    public func cleanSignalAndNoise(_ i: Int) -> (signal: [Float], noise: [Float]) {
        precondition(i >= 0 && i < count, "Simulator: index \(i) outside 0..<\(count)")
        var (rotation, shift, stream) = pose(i)
        let box = parameters.box
        let x = classes[Int(labels[i])].map.sample(VolumeTransform(rotation: rotation, shift: shift), box: box)
        var noise = [Float](repeating: 0, count: box * box * box)
        noise.withUnsafeMutableBufferPointer { stream.fillNormal($0) }
        return (x.data, noise)
    }

    /// Subtomogram i (box^3 float32, C order, mean 0, SD 1) and its true label.
    public func subtomogram(_ i: Int) -> (data: [Float], label: Int32) {
        let (x, noise) = cleanSignalAndNoise(i)
        return (model.image(signal: x, noise: noise).subtomogram, labels[i])
    }

    /// Subtomograms `rows` written consecutively into `out` (rows.count * box^3 values), in parallel over
    /// `threads` threads (each subtomogram is independent).
    public func fill(rows: Range<Int>, into out: UnsafeMutableBufferPointer<Float>, threads: Int = 1) {
        let size = parameters.box * parameters.box * parameters.box
        precondition(out.count >= rows.count * size, "Simulator.fill: buffer too small")
        let base = out.baseAddress!
        let work = { (k: Int) in
            let v = self.subtomogram(rows.lowerBound + k).data
            v.withUnsafeBufferPointer { (base + k * size).update(from: $0.baseAddress!, count: size) }
        }
        if threads <= 1 || rows.count < 2 {
            for k in 0..<rows.count { work(k) }
        } else {
            ParallelFor.run(count: rows.count, threads: threads, work)
        }
    }
}
