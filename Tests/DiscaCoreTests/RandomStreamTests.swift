import DiscaCore
import XCTest

final class RandomStreamTests: XCTestCase {
    /// Philox-4x32-10 known-answer vectors from the Random123 distribution (kat_vectors):
    /// counter 0, key 0 -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8. Our key is derived from the seed, so we check the
    /// core permutation through a stream whose derived key we do not control; instead check determinism and
    /// independence properties, and the statistical moments.
    func testSameKeySameNumbers() {
        var a = RandomStream(seed: 42, purpose: .simulation, iteration: 3, index: 17)
        var b = RandomStream(seed: 42, purpose: .simulation, iteration: 3, index: 17)
        for _ in 0..<100 { XCTAssertEqual(a.nextUInt32(), b.nextUInt32()) }
    }

    func testDifferentKeysDiffer() {
        let keys: [(UInt64, RandomPurpose, Int, Int)] = [(1, .simulation, 0, 0), (2, .simulation, 0, 0),
                                                        (1, .dropout, 0, 0), (1, .simulation, 1, 0),
                                                        (1, .simulation, 0, 1), (1, .simulation, 0, 1 << 33)]
        var firsts = Set<UInt64>()
        for k in keys {
            var s = RandomStream(seed: k.0, purpose: k.1, iteration: k.2, index: k.3)
            firsts.insert(s.nextUInt64())
        }
        XCTAssertEqual(firsts.count, keys.count)
    }

    func testUniformAndNormalMoments() {
        var s = RandomStream(seed: 7, purpose: .test)
        let n = 200_000
        var sum = 0.0, sum2 = 0.0, usum = 0.0
        var below = 0
        for _ in 0..<n {
            let x = s.normal()
            sum += x; sum2 += x * x
            let u = s.uniform()
            XCTAssert(u > 0 && u < 1)
            usum += u
            if x < -1.959964 { below += 1 }
        }
        let mean = sum / Double(n), variance = sum2 / Double(n) - mean * mean
        XCTAssertEqual(mean, 0, accuracy: 5 * (1 / Double(n)).squareRoot())
        XCTAssertEqual(variance, 1, accuracy: 0.02)
        XCTAssertEqual(usum / Double(n), 0.5, accuracy: 0.005)
        XCTAssertEqual(Double(below) / Double(n), 0.025, accuracy: 0.002)
    }

    func testPermutationIsAPermutationAndUnbiasedEnough() {
        var counts = [Int](repeating: 0, count: 5)
        for trial in 0..<5000 {
            var s = RandomStream(seed: 1, purpose: .shuffle, iteration: trial)
            let p = s.permutation(5)
            XCTAssertEqual(p.sorted(), Array(0..<5))
            counts[p[0]] += 1
        }
        for c in counts { XCTAssertEqual(Double(c), 1000, accuracy: 150) }
    }
}
