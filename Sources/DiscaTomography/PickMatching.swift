/// One-to-one matching of picks to true particles in one tomogram (docs/algorithm.md, "Picking"): every pair closer
/// than `maximumDistance` voxels, taken closest first, each pick and each true particle used at most once.
public enum PickMatching {
    /// For each pick, the index of its true particle, or nil.
    public static func match(picks: [VoxelPosition], truth: [VoxelPosition], maximumDistance: Double,
                             sizeVoxels: (x: Int, y: Int, z: Int)) -> [Int?] {
        var grid = OccupancyGrid(size: sizeVoxels, cell: maximumDistance)
        for (j, q) in truth.enumerated() { grid.insert(q, radius: 0, index: j) }
        var pairs: [(distance: Double, pick: Int, truth: Int)] = []
        for (i, p) in picks.enumerated() {
            for (j, d) in grid.within(p, distance: maximumDistance) { pairs.append((d, i, j)) }
        }
        pairs.sort { $0.distance != $1.distance ? $0.distance < $1.distance : ($0.pick, $0.truth) < ($1.pick, $1.truth) }
        var result = [Int?](repeating: nil, count: picks.count)
        var used = [Bool](repeating: false, count: truth.count)
        for pair in pairs where result[pair.pick] == nil && !used[pair.truth] {
            result[pair.pick] = pair.truth
            used[pair.truth] = true
        }
        return result
    }
}

extension OccupancyGrid {
    /// The inserted points (index, distance) closer than `distance` (at most one cell) to q.
    func within(_ q: VoxelPosition, distance: Double) -> [(Int, Double)] {
        let (i, j, k) = cellIndex(q)
        var out: [(Int, Double)] = []
        for z in max(0, k - 1)...min(cells.z - 1, k + 1) {
            for y in max(0, j - 1)...min(cells.y - 1, j + 1) {
                for x in max(0, i - 1)...min(cells.x - 1, i + 1) {
                    for m in members[(z * cells.y + y) * cells.x + x] {
                        let d = q.distance(to: m.position)
                        if d < distance { out.append((m.index, d)) }
                    }
                }
            }
        }
        return out
    }
}
