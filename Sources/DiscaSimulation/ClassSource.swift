import DiscaCore
import DiscaGeometry
import DiscaIO
import Foundation

/// Where a class's density comes from: a built-in phantom or a density map read from an MRC file.
public enum ClassSource: Sendable {
    case phantom(Phantom)
    case map(name: String, volume: Volume, voxelSizeAngstrom: Double)

    public var name: String {
        switch self {
        case .phantom(let p): return p.name
        case .map(let name, _, _): return name
        }
    }

    /// Reads a density map: cubic, isotropic positive voxel size, finite, not constant. The class is named after
    /// the file (without `.mrc`). The map is used as stored (real maps are centred on their centre of mass).
    public static func mrc(_ path: String) throws -> ClassSource {
        let mrc = try MRCFile.read(path)
        guard mrc.depth == mrc.height && mrc.height == mrc.width else {
            throw DiscaError.badInput("structure \(path): map is \(mrc.depth) x \(mrc.height) x \(mrc.width), "
                                      + "a cubic map is needed")
        }
        guard let voxel = mrc.isotropicVoxelSizeAngstrom, voxel > 0 else {
            throw DiscaError.badInput("structure \(path): voxel size (cell / grid) is not positive and isotropic: "
                                      + "\(mrc.voxelSizeAngstrom)")
        }
        guard mrc.data.allSatisfy({ $0.isFinite }) else {
            throw DiscaError.badInput("structure \(path): map holds NaN or Inf")
        }
        guard Volume.meanAndVariance(mrc.data).variance > 0 else {
            throw DiscaError.badInput("structure \(path): map is constant")
        }
        let file = URL(fileURLWithPath: path).lastPathComponent
        let name = file.lowercased().hasSuffix(".mrc") ? String(file.dropLast(4)) : file
        return .map(name: name, volume: Volume(depth: mrc.depth, height: mrc.height, width: mrc.width, data: mrc.data),
                    voxelSizeAngstrom: voxel)
    }

    /// Radius in angstrom, about the box centre, of the voxels whose density exceeds `threshold` times the map's
    /// maximum (phantoms: rendered at 5 angstrom on a 320 angstrom box).
    public func extentRadiusAngstrom(threshold: Double = 0.05) -> Double {
        switch self {
        case .phantom(let p):
            return p.render(cube: 64, voxelSizeAngstrom: 5).extentRadius(voxelSizeAngstrom: 5, threshold: threshold)
        case .map(_, let volume, let voxel):
            return volume.extentRadius(voxelSizeAngstrom: voxel, threshold: threshold)
        }
    }

    /// The class, prepared for sampling at `parameters.voxelSizeAngstrom`.
    public func prepare(_ parameters: ImagingParameters) -> SimulationClass {
        switch self {
        case .phantom(let p): return SimulationClass(phantom: p, parameters: parameters)
        case .map(let name, let volume, let voxel):
            return SimulationClass(name: name, map: volume, voxelSizeAngstrom: voxel, parameters: parameters)
        }
    }

    /// The voxel size used when none is given: `preferred` (13.33 angstrom, the paper's) when every class fits the
    /// box under any rotation and shift, else the smallest that makes the largest fit:
    /// radius / voxel + maxShift <= box / 2 - 1/2.
    public static func fittingVoxelSize(radiiAngstrom: [Double], box: Int, maxShiftVoxels: Double,
                                        preferred: Double = 13.33) -> Double {
        let room = Double(box) / 2 - 0.5 - maxShiftVoxels
        guard room > 0, let largest = radiiAngstrom.max() else { return preferred }
        return max(preferred, largest / room)
    }
}

extension Volume {
    /// Largest distance in angstrom from the box centre of a voxel above `threshold` times the maximum.
    public func extentRadius(voxelSizeAngstrom v: Double, threshold: Double = 0.05) -> Double {
        let top = data.max() ?? 0
        guard top > 0 else { return 0 }
        let cut = Float(threshold) * top, c = center
        var r2 = 0.0
        for z in 0..<depth {
            for y in 0..<height {
                for x in 0..<width where data[index(z, y, x)] > cut {
                    let d = (Double(z) - c.z) * (Double(z) - c.z) + (Double(y) - c.y) * (Double(y) - c.y)
                        + (Double(x) - c.x) * (Double(x) - c.x)
                    r2 = Swift.max(r2, d)
                }
            }
        }
        return r2.squareRoot() * v
    }
}
