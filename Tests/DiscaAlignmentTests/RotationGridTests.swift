@testable import DiscaAlignment
import DiscaCore
import DiscaGeometry
import XCTest

final class RotationGridTests: XCTestCase {
    /// The grid covers SO(3) evenly: the distance from uniformly random rotations to their nearest grid rotation
    /// averages about 2.4 / n^(1/3) radians, and no random rotation is farther than twice that.
    func testGridCoversSO3() {
        let grid = RotationGrid(count: 500)
        var stream = RandomStream(seed: 3, key: RandomKey(.test))
        var total = 0.0, worst = 0.0
        let trials = 300
        for _ in 0..<trials {
            let q = Rotation3.uniform(&stream)
            let nearest = grid.rotations.map { (q.transposed * $0).angle }.min()!
            total += nearest
            worst = max(worst, nearest)
        }
        let expected = 2.4 / pow(500.0, 1.0 / 3.0)
        XCTAssertEqual(total / Double(trials), expected, accuracy: 0.25 * expected)
        XCTAssertLessThan(worst, 2 * expected)
        for r in grid.rotations { XCTAssertLessThan(r.orthogonalityError, 1e-12) }
    }
}
