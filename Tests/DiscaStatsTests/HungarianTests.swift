// Fixture: python3 tools/make_stats_fixtures.py  (scipy.optimize.linear_sum_assignment)
import XCTest
import DiscaCore
@testable import DiscaStats

private struct HungarianFixture: Decodable {
    struct Case: Decodable { let rows: Int, cols: Int, cost: [Double], optimum: Double }
    let cases: [Case]
}

final class HungarianTests: XCTestCase {
    private func checkValid(_ a: [Int?], rows: Int, cols: Int, file: StaticString = #filePath, line: UInt = #line) {
        let used = a.compactMap { $0 }
        XCTAssertEqual(used.count, min(rows, cols), "pairs", file: file, line: line)
        XCTAssertEqual(Set(used).count, used.count, "a column used twice", file: file, line: line)
        XCTAssertTrue(used.allSatisfy { $0 >= 0 && $0 < cols }, file: file, line: line)
    }

    func testKnownOptimum() {
        // Classic 3 x 3: the optimum 5 = 1 (0,1) + 2 (1,0) + 2 (2,2); a greedy pick of the smallest entry fails.
        let cost: [Double] = [4, 1, 3,
                              2, 0, 5,
                              3, 2, 2]
        let a = Hungarian.minimumCost(cost, rows: 3, cols: 3)
        XCTAssertEqual(a, [1, 0, 2])
        XCTAssertEqual(Hungarian.total(cost, cols: 3, assignment: a), 5)
    }

    func testMatchesScipy() throws {
        for c in try Fixture.load("hungarian", as: HungarianFixture.self).cases {
            let a = Hungarian.minimumCost(c.cost, rows: c.rows, cols: c.cols)
            checkValid(a, rows: c.rows, cols: c.cols)
            XCTAssertEqual(Hungarian.total(c.cost, cols: c.cols, assignment: a), c.optimum, accuracy: 1e-9,
                           "\(c.rows) x \(c.cols)")
        }
    }

    /// All injective maps from the smaller side to the larger, by recursion.
    private func bruteForce(_ cost: [Double], rows: Int, cols: Int) -> Double {
        var best = Double.infinity
        func go(_ i: Int, _ used: inout [Bool], _ sum: Double, _ assigned: Int) {
            if i == rows {
                if assigned == min(rows, cols) { best = min(best, sum) }
                return
            }
            if rows - i + assigned > min(rows, cols) { go(i + 1, &used, sum, assigned) }   // leave row i out
            for j in 0..<cols where !used[j] {
                used[j] = true
                go(i + 1, &used, sum + cost[i * cols + j], assigned + 1)
                used[j] = false
            }
        }
        var used = [Bool](repeating: false, count: cols)
        go(0, &used, 0, 0)
        return best
    }

    func testAgainstBruteForceOnRandomMatrices() {
        var g = RandomStream(seed: 11, key: RandomKey(.test))
        for trial in 0..<60 {
            let rows = 1 + g.integer(below: 6), cols = 1 + g.integer(below: 6)
            // Small integers make ties frequent, which is where assignment codes go wrong.
            let cost = (0..<(rows * cols)).map { _ in Double(g.integer(below: trial % 2 == 0 ? 5 : 1000)) - 2 }
            let a = Hungarian.minimumCost(cost, rows: rows, cols: cols)
            checkValid(a, rows: rows, cols: cols)
            XCTAssertEqual(Hungarian.total(cost, cols: cols, assignment: a), bruteForce(cost, rows: rows, cols: cols),
                           accuracy: 1e-9, "trial \(trial): \(rows) x \(cols)")
        }
    }

    func testLabelMappingAcrossRanks() throws {
        // Previous labels 0..3; new labels are the same partition under the renaming new = (old + 1) % 4, with 10%
        // of the rows moved. The mapping undoes the renaming.
        let n = 400
        var g = RandomStream(seed: 3, key: RandomKey(.test))
        let previous = (0..<n).map { _ in Int32(g.integer(below: 4)) }
        let new = previous.enumerated().map { i, l in i % 10 == 0 ? Int32(g.integer(below: 4)) : (l + 1) % 4 }
        for ranks in [1, 2, 3] {
            let maps = try LocalGroup.run(size: ranks) { comm -> [Int] in
                let r = comm.rows(of: n)
                return try LabelMatching.mapping(new: Array(new[r]), previous: Array(previous[r]), k: 4, comm: comm)
            }
            for m in maps { XCTAssertEqual(m, [3, 0, 1, 2]) }
        }
        var labels = new
        var posterior = new.flatMap { l in (0..<4).map { Float($0 == Int(l) ? 1 : 0) } }
        LabelMatching.apply([3, 0, 1, 2], labels: &labels, posterior: &posterior, k: 4)
        XCTAssertGreaterThan(zip(labels, previous).filter { $0 == $1 }.count, n * 85 / 100)
        for r in 0..<n { XCTAssertEqual(posterior[r * 4 + Int(labels[r])], 1) }
    }
}
