/// A density map read from (or to be written to) an MRC2014 file, in spatial C order: `data[(z * ny + y) * nx + x]`
/// with x fastest, whatever column/row/section order the file used.
public struct MRCMap: Sendable {
    /// The header as stored in the file.
    public var header: MRCHeader
    /// Spatial sizes (depth, height, width) = (voxels along Z, Y, X).
    public var shape: [Int]
    /// Voxels in (z, y, x) C order.
    public var data: [Float]
    /// Voxel size in angstrom along X, Y, Z: cell length over sampling (`cella / mx`); 0 where the file says 0.
    public var voxelSizeAngstrom: (x: Double, y: Double, z: Double)
    /// Origin in angstrom along X, Y, Z (header words 50-52).
    public var originAngstrom: (x: Double, y: Double, z: Double)
    /// Whether the file stored numbers big-endian.
    public var bigEndian: Bool

    public var depth: Int { shape[0] }
    public var height: Int { shape[1] }
    public var width: Int { shape[2] }

    /// The voxel size when it is the same along all three axes (within 1e-4 relative), else nil.
    public var isotropicVoxelSizeAngstrom: Double? {
        let v = voxelSizeAngstrom
        let tolerance = 1e-4 * max(abs(v.x), 1e-12)
        return abs(v.y - v.x) <= tolerance && abs(v.z - v.x) <= tolerance ? v.x : nil
    }
}

extension MRCMap {
    /// The storage-to-spatial axis mapping of a header: for storage axis c (column), r (row), s (section), the
    /// spatial axis index 0 = X, 1 = Y, 2 = Z; nil when mapc/mapr/maps is not a permutation of 1, 2, 3.
    static func axisMapping(_ h: MRCHeader) -> (c: Int, r: Int, s: Int)? {
        let m = [h.mapc, h.mapr, h.maps]
        guard m.sorted() == [1, 2, 3] else { return nil }
        return (Int(m[0]) - 1, Int(m[1]) - 1, Int(m[2]) - 1)
    }

    /// Reorders voxels from storage order (sections, rows, columns) to spatial (z, y, x) C order.
    /// `storage` has `nz * ny * nx` voxels; returns the data and the spatial shape (Z, Y, X sizes).
    static func spatialOrder(_ storage: [Float], nx: Int, ny: Int, nz: Int,
                             mapping: (c: Int, r: Int, s: Int)) -> (data: [Float], shape: [Int]) {
        var size = [0, 0, 0]                      // along X, Y, Z
        size[mapping.c] = nx; size[mapping.r] = ny; size[mapping.s] = nz
        let shape = [size[2], size[1], size[0]]
        if mapping == (0, 1, 2) { return (storage, shape) }
        // Spatial linear index = x * 1 + y * SX + z * SX * SY; the stride of each storage axis follows its mapping.
        let spatialStride = [1, size[0], size[0] * size[1]]
        let sc = spatialStride[mapping.c], sr = spatialStride[mapping.r], ss = spatialStride[mapping.s]
        var out = [Float](repeating: 0, count: storage.count)
        storage.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                var i = 0
                for s in 0..<nz {
                    for r in 0..<ny {
                        let base = s * ss + r * sr
                        for c in 0..<nx {
                            dst[base + c * sc] = src[i]
                            i += 1
                        }
                    }
                }
            }
        }
        return (out, shape)
    }
}
