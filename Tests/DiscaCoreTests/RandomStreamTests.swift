@testable import DiscaCore
import XCTest

final class RandomStreamTests: XCTestCase {
    /// Philox-4x32-10 known-answer vectors from the Random123 distribution (kat_vectors):
    /// counter 0, key 0 -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8. Our key is derived from the seed, so we check the
    /// core permutation through a stream whose derived key we do not control; instead check determinism and
    /// independence properties, and the statistical moments.
    func testSameKeySameNumbers() {
        var a = RandomStream(seed: 42, key: RandomKey(.simulation, iteration: 3, item: 17))
        var b = RandomStream(seed: 42, key: RandomKey(.simulation, iteration: 3, item: 17))
        for _ in 0..<100 { XCTAssertEqual(a.nextUInt32(), b.nextUInt32()) }
    }

    func testDifferentKeysDiffer() {
        let keys: [(UInt64, RandomPurpose, Int, Int)] = [(1, .simulation, 0, 0), (2, .simulation, 0, 0),
                                                        (1, .dropout, 0, 0), (1, .simulation, 1, 0),
                                                        (1, .simulation, 0, 1), (1, .simulation, 0, 1 << 33)]
        var firsts = Set<UInt64>()
        for k in keys {
            var s = RandomStream(seed: k.0, key: RandomKey(k.1, iteration: k.2, item: k.3))
            firsts.insert(s.nextUInt64())
        }
        XCTAssertEqual(firsts.count, keys.count)
    }

    func testUniformAndNormalMoments() {
        var s = RandomStream(seed: 7, key: RandomKey(.test))
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
            var s = RandomStream(seed: 1, key: RandomKey(.shuffle, iteration: trial))
            let p = s.permutation(5)
            XCTAssertEqual(p.sorted(), Array(0..<5))
            counts[p[0]] += 1
        }
        for c in counts { XCTAssertEqual(Double(c), 1000, accuracy: 150) }
    }

    /// The old hand-packed keys: `(iteration * 64 + epoch) << 24 | step` cut to 32 bits made the dropout noise of a
    /// step in iteration 4 repeat that of iteration 0, and epoch 64 of iteration 0 collide with epoch 0 of iteration 1.
    func testKeysThatOnceCollidedDiffer() {
        func first(_ key: RandomKey) -> UInt64 { var s = RandomStream(seed: 0, key: key); return s.nextUInt64() }
        XCTAssertNotEqual(first(RandomKey(.dropout, iteration: 0, epoch: 0, step: 5, item: 3)),
                          first(RandomKey(.dropout, iteration: 4, epoch: 0, step: 5, item: 3)))
        XCTAssertNotEqual(first(RandomKey(.rotation, iteration: 0, epoch: 64, item: 3)),
                          first(RandomKey(.rotation, iteration: 1, epoch: 0, item: 3)))
    }

    /// Epoch 0 and step 0 give the streams of the earlier (seed, purpose, iteration, index) keys, so simulated sets,
    /// initial weights and mixture starts did not change when keys became structs: the Philox key is
    /// splitMix64(seed ^ purpose * phi) and the counter (iteration, index low, index high).
    func testEpochZeroStepZeroKeepsTheEarlierLayout() {
        let s = RandomStream(seed: 42, key: RandomKey(.simulation, iteration: 3, item: -5))
        XCTAssertEqual(s.layout.key, splitMix64(42 ^ (1 &* 0x9E37_79B9_7F4A_7C15)))
        let idx = UInt64(bitPattern: -5)
        XCTAssertEqual(s.layout.counter.0, 3)
        XCTAssertEqual(s.layout.counter.1, UInt32(truncatingIfNeeded: idx))
        XCTAssertEqual(s.layout.counter.2, UInt32(truncatingIfNeeded: idx >> 32))
    }

    /// Distinct keys give distinct (Philox key, counter) pairs, hence distinct streams (Philox is a bijection of the
    /// counter for each key). Within one purpose the map is one-to-one by construction; here every field is taken
    /// at its edges over the ranges a long run reaches (10^3 iterations, 10^4 epochs, 10^7 steps and items).
    func testNoTwoKeysShareAStreamOverALongRun() {
        struct Layout: Hashable { let key: UInt64; let c0: UInt32, c1: UInt32, c2: UInt32 }
        let purposes: [RandomPurpose] = (0...12).map { RandomPurpose(rawValue: $0) }
        let iterations = [0, 1, 3, 4, 63, 64, 65, 999, 1_000]
        let epochs = [0, 1, 63, 64, 65, 4_095, 9_999, 10_000]
        let steps = [0, 1, 255, 256, (1 << 24) - 1, 1 << 24, 9_999_999]
        let items = [0, 1, -1, 63, 64, 1 << 24, 9_999_999, 10_000_000, 1 << 32]
        var seen = Set<Layout>()
        var count = 0
        for p in purposes { for i in iterations { for e in epochs { for s in steps { for item in items {
            let l = RandomStream(seed: 7, key: RandomKey(p, iteration: i, epoch: e, step: s, item: item)).layout
            seen.insert(Layout(key: l.key, c0: l.counter.0, c1: l.counter.1, c2: l.counter.2))
            count += 1
        } } } } }
        XCTAssertEqual(seen.count, count)
    }

    /// Across purposes the Philox key is splitMix64(seed ^ p * phi ^ (epoch << 40 | step)): two purposes p, q can
    /// share a key only if (p * phi) ^ (q * phi) equals (e1 ^ e2) << 40 | (s1 ^ s2) for reachable epochs and steps.
    /// For every pair of the first 256 purposes that word is far outside what a run reaches (epochs < 2^14, steps < 2^24).
    func testPurposesCannotCollideWithinAReachableRun() {
        for p in 0..<256 { for q in (p + 1)..<256 {
            let w = (UInt64(p) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(q) &* 0x9E37_79B9_7F4A_7C15)
            XCTAssertTrue(w >> 40 >= 1 << 14 || w & ((1 << 40) - 1) >= 1 << 24, "purposes \(p) and \(q)")
        } }
    }
}
