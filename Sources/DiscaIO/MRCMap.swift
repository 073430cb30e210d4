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
    /// Header words 50-52 (ORIGIN) as stored, in angstrom along X, Y, Z: in MRC2014 ("origin of subvolume (A)",
    /// table note 10 of Cheng et al., J. Struct. Biol. 192, 2015, and https://www.ccpem.ac.uk/mrc_format/mrc2014.php)
    /// the real-space position of this grid's first voxel, as for a subvolume cut from a larger volume.
    /// mrcfile reports the same numbers as `header.origin`.
    public var originAngstrom: (x: Double, y: Double, z: Double)
    /// Header words 5-7 (NXSTART, NYSTART, NZSTART) per spatial axis X, Y, Z: the grid index, in the unit cell, of
    /// this grid's first voxel (the CCP4 way of placing a submap, in whole voxels). The header stores them per
    /// storage axis (columns, rows, sections; MRC2014 update 20141); here they are permuted like the data.
    public var startIndex: (x: Int, y: Int, z: Int)
    /// Whether the file stored numbers big-endian.
    public var bigEndian: Bool

    /// The position in angstrom along X, Y, Z of voxel (0, 0, 0), the one at `data[0]`, as a tomogram user needs it
    /// to turn voxel indices into coordinates (voxel (x, y, z) lies at `gridOriginAngstrom + (x, y, z) * voxel size`).
    /// ORIGIN (`originAngstrom`) when any of its three words is nonzero; otherwise `startIndex * voxelSizeAngstrom`.
    /// The two fields are alternatives (MRC2014 allows either); a file setting both is taken at its ORIGIN, because
    /// EM software that writes ORIGIN writes the first voxel's position there, and adding NXSTART on top would count
    /// the offset twice.
    public var gridOriginAngstrom: (x: Double, y: Double, z: Double) {
        MRCMap.gridOrigin(originAngstrom: originAngstrom, startIndex: startIndex, voxelSizeAngstrom: voxelSizeAngstrom)
    }

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
    /// The rule of `gridOriginAngstrom`, shared with `MRCVolumeReader`.
    static func gridOrigin(originAngstrom o: (x: Double, y: Double, z: Double), startIndex s: (x: Int, y: Int, z: Int),
                           voxelSizeAngstrom v: (x: Double, y: Double, z: Double)) -> (x: Double, y: Double, z: Double) {
        if o.x != 0 || o.y != 0 || o.z != 0 { return o }
        return (Double(s.x) * v.x, Double(s.y) * v.y, Double(s.z) * v.z)
    }

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
