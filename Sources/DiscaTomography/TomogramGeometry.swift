/// Positions in a tomogram: voxel coordinates (x, y, z) with x fastest in memory, as MRC stores tomograms
/// (docs/interfaces.md, "Tomograms and picks").
public struct VoxelPosition: Equatable, Sendable, Codable {
    public var x: Double, y: Double, z: Double
    public init(x: Double, y: Double, z: Double) { self.x = x; self.y = y; self.z = z }

    /// Euclidean distance in voxels.
    public func distance(to o: VoxelPosition) -> Double {
        let dx = x - o.x, dy = y - o.y, dz = z - o.z
        return (dx * dx + dy * dy + dz * dz).squareRoot()
    }
}
