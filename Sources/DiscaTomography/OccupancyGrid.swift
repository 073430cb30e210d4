/// Cells of a uniform grid holding spheres (or points) placed so far, for overlap and neighbour queries; a cell is
/// at least as wide as the largest distance asked about, so only the 27 cells about a point can hold a neighbour.
struct OccupancyGrid {
    let cell: Double
    let cells: (x: Int, y: Int, z: Int)
    var members: [[(position: VoxelPosition, radius: Double, index: Int)]]

    init(size: (x: Int, y: Int, z: Int), cell: Double) {
        self.cell = max(cell, 1)
        cells = (Int(Double(size.x) / self.cell) + 1, Int(Double(size.y) / self.cell) + 1,
                 Int(Double(size.z) / self.cell) + 1)
        members = Array(repeating: [], count: cells.x * cells.y * cells.z)
    }

    func cellIndex(_ q: VoxelPosition) -> (Int, Int, Int) {
        (min(cells.x - 1, max(0, Int(q.x / cell))), min(cells.y - 1, max(0, Int(q.y / cell))),
         min(cells.z - 1, max(0, Int(q.z / cell))))
    }

    /// Whether a sphere of `radius` at q keeps `gap` from every sphere inserted (spheres are at most a cell wide,
    /// so only the 27 neighbouring cells can hold one that is too close).
    func isFree(_ q: VoxelPosition, radius: Double, gap: Double) -> Bool {
        let (i, j, k) = cellIndex(q)
        for z in max(0, k - 1)...min(cells.z - 1, k + 1) {
            for y in max(0, j - 1)...min(cells.y - 1, j + 1) {
                for x in max(0, i - 1)...min(cells.x - 1, i + 1) {
                    for m in members[(z * cells.y + y) * cells.x + x] where q.distance(to: m.position) < radius + m.radius + gap {
                        return false
                    }
                }
            }
        }
        return true
    }

    mutating func insert(_ q: VoxelPosition, radius: Double, index: Int) {
        let (i, j, k) = cellIndex(q)
        members[(k * cells.y + j) * cells.x + i].append((q, radius, index))
    }
}
