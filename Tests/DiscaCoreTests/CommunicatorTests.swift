import DiscaCore
import XCTest

final class CommunicatorTests: XCTestCase {
    func testRowPartitionCoversEveryRowOnce() {
        for count in [0, 1, 2, 7, 10, 101] {
            for parts in 1...5 {
                let p = RowPartition(count: count, parts: parts)
                var next = 0
                for r in 0..<parts {
                    let range = p.range(of: r)
                    XCTAssertEqual(range.lowerBound, next)
                    XCTAssert(range.count == count / parts || range.count == count / parts + 1)
                    next = range.upperBound
                }
                XCTAssertEqual(next, count)
            }
        }
    }

    func testSingleProcessCollectivesAreIdentity() throws {
        let c = SingleProcessCommunicator()
        var a: [Double] = [1, 2, 3]
        try c.allreduce(&a, .sum)
        XCTAssertEqual(a, [1, 2, 3])
        XCTAssertEqual(try c.allgather(Int64(5)), [5])
        XCTAssertEqual(try c.broadcast("x"), "x")
    }

    func testLocalGroupCollectives() throws {
        let results = try LocalGroup.run(size: 3) { comm -> [Double] in
            var a = [Double(comm.rank), 1, Double(10 * comm.rank)]
            try comm.allreduce(&a, .sum)
            var m: [Int64] = [Int64(comm.rank), -Int64(comm.rank)]
            try comm.allreduce(&m, .max)
            var b: [Float] = comm.rank == 2 ? [4, 5] : [0, 0]
            try comm.broadcast(&b, root: 2)
            let g = try comm.allgather(Int64(comm.rank * 2))
            let text = try comm.broadcast(comm.rank == 1 ? "one" : "", root: 1)
            return a + m.map(Double.init) + b.map(Double.init) + g.map(Double.init) + [text == "one" ? 1 : 0]
        }
        for r in results { XCTAssertEqual(r, [3, 3, 30, 2, 0, 4, 5, 0, 2, 4, 1]) }
    }

    func testAgreeMakesEveryRankThrowTheLowestFailingRanksError() throws {
        let outcomes = try LocalGroup.run(size: 3) { comm -> String in
            do {
                try comm.agree(comm.rank >= 1 ? DiscaError.badInput("bad on rank \(comm.rank)") : nil)
                return "passed"
            } catch let e as CollectiveError {
                return "\(e.exitCode) \(e)"
            }
        }
        XCTAssertEqual(outcomes, Array(repeating: "2 bad on rank 1", count: 3))
        let fine = try LocalGroup.run(size: 2) { comm -> Bool in try comm.agree(nil); return true }
        XCTAssertEqual(fine, [true, true])
    }
}
