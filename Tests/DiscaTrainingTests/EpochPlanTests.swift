import DiscaCore
import DiscaTraining
import XCTest

final class EpochPlanTests: XCTestCase {
    func testEveryItemOnceAndBatchesIndependentOfRankCount() {
        let plan = EpochPlan(rows: 37, rotatedCopies: 1, batchSize: 8, seed: 3, iteration: 2)
        XCTAssertEqual(plan.itemCount, 74)
        XCTAssertEqual(plan.steps, 10)
        var seen = Set<Int>()
        for step in 0..<plan.steps {
            let one = plan.items(step: step, rank: 0, ranks: 1)
            for ranks in [2, 3, 5] {
                let union = (0..<ranks).flatMap { plan.items(step: step, rank: $0, ranks: ranks) }
                XCTAssertEqual(union, one, "step \(step) with \(ranks) ranks")
            }
            for item in one {
                XCTAssert(seen.insert(item.index).inserted)
                XCTAssertEqual(item.row + 37 * item.copy, item.index)
            }
        }
        XCTAssertEqual(seen.count, 74)
        let other = EpochPlan(rows: 37, rotatedCopies: 1, batchSize: 8, seed: 3, iteration: 3)
        XCTAssertNotEqual(other.items(step: 0, rank: 0, ranks: 1), plan.items(step: 0, rank: 0, ranks: 1))
    }

    func testSmoothedTargets() {
        let y = smoothedTargets(labels: [0, 2], classes: 3, alpha: 0.3)
        let expected: [Float] = [0.8, 0.1, 0.1, 0.1, 0.1, 0.8]
        for (a, b) in zip(y, expected) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testGatherLabelsOverFakeRanks() throws {
        let total = 11
        let results = try LocalGroup.run(size: 3) { comm -> [Int32] in
            let mine = comm.rows(of: total)
            return try gatherLabels(mine.map { Int32($0 * 2) }, total: total, comm: comm)
        }
        for r in results { XCTAssertEqual(r, (0..<total).map { Int32($0 * 2) }) }
    }
}
