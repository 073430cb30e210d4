import DiscaCore
import DiscaIO
import DiscaTomography
import Foundation

/// Tomograms as the verbs name and check them: the name is the file name without `.mrc`; the voxel size must be
/// isotropic and, for `requireCommonVoxelSize`, the same for all (within 0.1%), since their subtomograms share one.
enum TomogramFiles {
    static func describe(_ paths: [String], _ readers: [MRCVolumeReader],
                         requireCommonVoxelSize: Bool = true) throws -> [TomogramDescription] {
        let descriptions = try zip(paths, readers).map { path, r -> TomogramDescription in
            let v = r.voxelSizeAngstrom
            guard v.x > 0, abs(v.y - v.x) <= 1e-4 * v.x, abs(v.z - v.x) <= 1e-4 * v.x else {
                throw DiscaError.badInput("tomogram \(path): voxel size (cell / grid) is not positive and isotropic: "
                                          + "\(v.x), \(v.y), \(v.z) A")
            }
            return TomogramDescription(name: SimulateTomogramCommand.stem(path), path: path, sizeVoxels: r.shape,
                                       voxelSizeAngstrom: v.x)
        }
        if requireCommonVoxelSize, let first = descriptions.first {
            for d in descriptions where abs(d.voxelSizeAngstrom - first.voxelSizeAngstrom) > 1e-3 * first.voxelSizeAngstrom {
                throw DiscaError.badInput("tomogram \(d.path): voxel size \(d.voxelSizeAngstrom) A differs from "
                                          + "\(first.voxelSizeAngstrom) A of \(first.path); extract tomograms of one voxel size together")
            }
        }
        var seen: [String: String] = [:]
        for d in descriptions {
            if let other = seen[d.name] {
                throw DiscaError.badInput("tomograms \(other) and \(d.path) have the same name '\(d.name)'")
            }
            seen[d.name] = d.path
        }
        return descriptions
    }
}
