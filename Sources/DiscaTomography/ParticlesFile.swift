import DiscaCore
import DiscaIO
import Foundation

/// What `disca extract` stored beside the subtomograms, read back for the way out (export, average, embed):
/// the one reader of a particles file's provenance (its writer is `disca extract`; docs/interfaces.md).
public struct ParticlesProvenance: Sendable {
    public var count: Int
    public var box: Int
    public var voxelSizeAngstrom: Double
    /// (x, y, z) of every row in tomogram voxels.
    public var positions: [VoxelPosition]
    public var tomogramIndex: [Int]
    public var sourceRow: [Int]
    public var tomograms: [TomogramDescription]
    public var coordinatesFile: String
    public var convention: PickConvention
    public var particleBlock: String
    /// The coordinates file as it was read at extraction.
    public var sourceText: String

    /// Reads the provenance of `path`; a file without it (not written by `disca extract`) is bad input.
    public static func read(_ path: String) throws -> ParticlesProvenance {
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        for name in ["/coordinates", "/tomogram", "/source_row", "/source_coordinates", "/subtomograms"] where !file.exists(name) {
            throw DiscaError.badInput("\(path): dataset \(name) is missing; particles files for export, average "
                                      + "and embed are written by `disca extract`")
        }
        let shape = try file.requireDataset("/subtomograms", rank: 4, floatingPoint: true, meaning: "(N, D, D, D) subtomograms")
        let n = shape[0]
        let xyz: [Double] = try file.read("/coordinates")
        let tomogram: [Int32] = try file.read("/tomogram")
        let rows: [Int64] = try file.read("/source_row")
        guard xyz.count == 3 * n, tomogram.count == n, rows.count == n else {
            throw DiscaError.badInput("\(path): /coordinates, /tomogram, /source_row do not have \(n) rows like /subtomograms")
        }
        let bytes: [UInt8] = try file.read("/source_coordinates")
        let names = try file.stringAttribute("tomogram_names").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let paths = try file.stringAttribute("tomogram_paths").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let sizes = try file.stringAttribute("tomogram_sizes").split(separator: "\n").map { line -> (Int, Int, Int) in
            let v = line.split(separator: " ").compactMap { Int($0) }
            guard v.count == 3 else { throw DiscaError.badInput("\(path): attribute tomogram_sizes line '\(line)' is not X Y Z") }
            return (v[0], v[1], v[2])
        }
        let voxels = try file.stringAttribute("tomogram_voxel_sizes").split(separator: "\n").map { Double($0) ?? 0 }
        guard names.count == paths.count, names.count == sizes.count, names.count == voxels.count else {
            throw DiscaError.badInput("\(path): the tomogram attributes (names, paths, sizes, voxel sizes) disagree in count")
        }
        let tomograms = names.indices.map {
            TomogramDescription(name: names[$0], path: paths[$0], sizeVoxels: sizes[$0], voxelSizeAngstrom: voxels[$0])
        }
        for (i, t) in tomogram.enumerated() where t < 0 || Int(t) >= tomograms.count {
            throw DiscaError.badInput("\(path): /tomogram[\(i)] = \(t), outside the \(tomograms.count) tomograms")
        }
        let conventionText = try file.stringAttribute("coordinates_convention")
        guard let convention = PickConvention(rawValue: conventionText) else {
            throw DiscaError.badInput("\(path): attribute coordinates_convention = '\(conventionText)' is not one of "
                                      + PickConvention.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return ParticlesProvenance(
            count: n, box: shape[1], voxelSizeAngstrom: try file.doubleAttribute("voxel_size"),
            positions: (0..<n).map { VoxelPosition(x: xyz[3 * $0], y: xyz[3 * $0 + 1], z: xyz[3 * $0 + 2]) },
            tomogramIndex: tomogram.map(Int.init), sourceRow: rows.map(Int.init), tomograms: tomograms,
            coordinatesFile: try file.stringAttribute("coordinates_file"), convention: convention,
            particleBlock: try file.stringAttribute("particle_block"),
            sourceText: String(decoding: bytes, as: UTF8.self))
    }

    /// The picks as they were read at extraction (the input document re-parsed from the stored text).
    public func picks() throws -> ParticlePicks {
        let list = (0..<count).map {
            ParticlePick(tomogramIndex: tomogramIndex[$0], x: positions[$0].x, y: positions[$0].y, z: positions[$0].z,
                         row: sourceRow[$0])
        }
        let document = convention == .plainCoordinates ? nil
            : try STARDocument.parse(sourceText, file: coordinatesFile + " (as stored at extraction)")
        return ParticlePicks(convention: convention, file: coordinatesFile, document: document,
                             particleBlock: convention == .plainCoordinates ? nil : particleBlock, picks: list)
    }
}

/// The class of every row of a result file (`/labels`, 0-based), checked against the particles file.
public enum ResultLabels {
    public static func read(_ resultPath: String, expectedCount n: Int, particles: String) throws -> (labels: [Int], classes: Int) {
        var path = resultPath
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            path = URL(fileURLWithPath: path).appendingPathComponent("result.h5").path
        }
        let file = try HDF5File.open(path)
        defer { try? file.close() }
        let shape = try file.requireDataset("/labels", rank: 1, floatingPoint: false, meaning: "(N) class labels")
        guard shape[0] == n else {
            throw DiscaError.badInput("\(path): /labels has \(shape[0]) rows but \(particles) holds \(n) subtomograms; "
                                      + "give the result of a run on that file")
        }
        let labels: [Int32] = try file.read("/labels")
        for (i, l) in labels.enumerated() where l < 0 {
            throw DiscaError.badInput("\(path): /labels[\(i)] = \(l) is negative")
        }
        let k = Int(labels.max() ?? -1) + 1
        return (labels.map(Int.init), k)
    }
}
