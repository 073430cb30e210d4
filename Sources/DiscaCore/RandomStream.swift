/// What a random stream is used for; part of the key, so streams for different purposes never overlap.
/// Modules add their own purposes as static constants in extensions (pick an unused raw value).
public struct RandomPurpose: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let test = RandomPurpose(rawValue: 0)
    public static let simulation = RandomPurpose(rawValue: 1)
    public static let networkInit = RandomPurpose(rawValue: 2)
    public static let dropout = RandomPurpose(rawValue: 3)
    public static let rotation = RandomPurpose(rawValue: 4)
    public static let shuffle = RandomPurpose(rawValue: 5)
    public static let mixtureInit = RandomPurpose(rawValue: 6)
    public static let headInit = RandomPurpose(rawValue: 7)
    public static let sampling = RandomPurpose(rawValue: 8)
    /// The seed of the loop's mixture selection of one iteration (`RandomStream.derivedSeed`).
    public static let mixtureSelection = RandomPurpose(rawValue: 9)
    /// The seed of the over-clustered mixture of an exploration iteration.
    public static let mixtureExploration = RandomPurpose(rawValue: 10)
    /// The seed of the mixture over rotation-invariant profiles (first training labels).
    public static let profileMixture = RandomPurpose(rawValue: 11)
    /// The order of the rows in an epoch of fitting a fresh classification head.
    public static let headShuffle = RandomPurpose(rawValue: 12)
    /// The split of each class into sub-classes before multi-reference alignment (item: the global row).
    public static let refinementSplit = RandomPurpose(rawValue: 13)
    /// Where particles sit in a simulated tomogram and how they are turned (iteration 0: the order of the class
    /// slots; iteration 1, item i: the rotation, then the tried positions, of the i-th slot in placement order;
    /// iteration 2: the noise, item = z section).
    public static let tomogramSimulation = RandomPurpose(rawValue: 14)
}

/// What a random stream is for and where it sits in a run: every field enters the stream's Philox key or counter
/// whole (ranges are checked, never cut), so two different keys give two different streams.
///
/// - `iteration`: the EM iteration (0 ..< 2^32).
/// - `epoch`: the epoch within the iteration (0 ..< 2^24).
/// - `step`: the optimizer step within the epoch (0 ..< 2^40).
/// - `item`: the global item (sample, row, component, ...) the stream belongs to (any Int).
///
/// Layout (see `RandomStream.init(seed:key:)`): the Philox counter is (block, iteration, item low, item high) and
/// the Philox key is splitMix64(seed ^ purpose * phi ^ (epoch << 40 | step)); for a fixed seed and purpose the map
/// from (iteration, epoch, step, item) to (key, counter) is one-to-one. Different purposes cannot collide within the
/// ranges a run reaches (10^4 epochs, 10^7 steps), which `RandomStreamTests` checks for every purpose defined.
public struct RandomKey: Hashable, Sendable {
    public var purpose: RandomPurpose
    public var iteration: Int
    public var epoch: Int
    public var step: Int
    public var item: Int

    public static let epochLimit = 1 << 24
    public static let stepLimit = 1 << 40
    public static let iterationLimit = 1 << 32

    public init(_ purpose: RandomPurpose, iteration: Int = 0, epoch: Int = 0, step: Int = 0, item: Int = 0) {
        precondition(iteration >= 0 && iteration < Self.iterationLimit, "random key: iteration \(iteration) out of range")
        precondition(epoch >= 0 && epoch < Self.epochLimit, "random key: epoch \(epoch) out of range")
        precondition(step >= 0 && step < Self.stepLimit, "random key: step \(step) out of range")
        self.purpose = purpose
        self.iteration = iteration
        self.epoch = epoch
        self.step = step
        self.item = item
    }

    /// The same key for another item.
    public func item(_ item: Int) -> RandomKey {
        var k = self
        k.item = item
        return k
    }

    /// The 64 bits that carry (epoch, step) into the Philox key; 0 for epoch 0, step 0.
    var epochStepWord: UInt64 { UInt64(epoch) << 40 | UInt64(step) }
}

/// A counter-based random stream (Philox-4x32-10, Salmon et al., SC 2011): the numbers are a pure function of
/// (seed, purpose, iteration, index, position), so what happens to sample `index` never depends on which rank holds
/// it or on how many ranks there are. A stream is cheap to create; make one per (purpose, iteration, sample).
public struct RandomStream: Sendable {
    private let key0: UInt32, key1: UInt32
    private let counterHigh: (UInt32, UInt32, UInt32)
    /// Number of 128-bit blocks consumed so far (the stream's position; store it to resume mid-stream).
    public private(set) var block: UInt32 = 0
    private var buffer: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var used = 4
    private var spareNormal: Double?

    /// The stream of `key` under `seed` (layout in `RandomKey`). The seed, purpose, epoch and step form the Philox
    /// key, mixed so that nearby seeds give unrelated keys; the iteration and the item fill the counter above the
    /// block number. With epoch 0 and step 0 this is the stream the project used before keys were structs, so
    /// simulated sets, initial weights and mixture starts are unchanged.
    public init(seed: UInt64, key: RandomKey) {
        let k = splitMix64(seed ^ (UInt64(key.purpose.rawValue) &* 0x9E37_79B9_7F4A_7C15) ^ key.epochStepWord)
        key0 = UInt32(truncatingIfNeeded: k)
        key1 = UInt32(truncatingIfNeeded: k >> 32)
        let idx = UInt64(bitPattern: Int64(key.item))
        counterHigh = (UInt32(key.iteration), UInt32(truncatingIfNeeded: idx), UInt32(truncatingIfNeeded: idx >> 32))
    }

    /// A seed for a sub-computation that takes a seed (a mixture selection): the first 64 bits of `key`'s stream.
    public static func derivedSeed(_ seed: UInt64, _ key: RandomKey) -> UInt64 {
        var s = RandomStream(seed: seed, key: key)
        return s.nextUInt64()
    }

    /// The Philox key and the counter words above the block number (for tests of the key layout).
    var layout: (key: UInt64, counter: (UInt32, UInt32, UInt32)) {
        (UInt64(key1) << 32 | UInt64(key0), counterHigh)
    }

    /// The next 32 random bits.
    public mutating func nextUInt32() -> UInt32 {
        if used == 4 {
            buffer = philox(counter: (block, counterHigh.0, counterHigh.1, counterHigh.2))
            block &+= 1
            used = 0
        }
        defer { used += 1 }
        switch used {
        case 0: return buffer.0
        case 1: return buffer.1
        case 2: return buffer.2
        default: return buffer.3
        }
    }

    public mutating func nextUInt64() -> UInt64 {
        UInt64(nextUInt32()) << 32 | UInt64(nextUInt32())
    }

    /// Uniform in the open interval (0, 1), 53 bits.
    public mutating func uniform() -> Double {
        (Double(nextUInt64() >> 11) + 0.5) * (1.0 / 9_007_199_254_740_992.0)
    }

    /// Uniform integer in 0..<n (n > 0), without modulo bias for the sizes used here.
    public mutating func integer(below n: Int) -> Int {
        precondition(n > 0)
        return Int(uniform() * Double(n)) % n
    }

    /// Standard normal N(0, 1) (Box-Muller; the second value is kept for the next call).
    public mutating func normal() -> Double {
        if let s = spareNormal { spareNormal = nil; return s }
        let u1 = uniform(), u2 = uniform()
        let r = (-2 * _log(u1)).squareRoot()
        let t = 2 * Double.pi * u2
        spareNormal = r * _sin(t)
        return r * _cos(t)
    }

    /// Fills `out` with N(mean, sd^2) float32 draws.
    public mutating func fillNormal(_ out: UnsafeMutableBufferPointer<Float>, mean: Float = 0, sd: Float = 1) {
        for i in out.indices { out[i] = mean + sd * Float(normal()) }
    }

    /// A uniformly random permutation of 0..<n (Fisher-Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            let j = integer(below: i + 1)
            p.swapAt(i, j)
        }
        return p
    }
}

@inline(__always) func splitMix64(_ x: UInt64) -> UInt64 {
    var z = x &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
}

@inline(__always) private func mulhilo(_ a: UInt32, _ b: UInt32) -> (hi: UInt32, lo: UInt32) {
    let p = UInt64(a) &* UInt64(b)
    return (UInt32(truncatingIfNeeded: p >> 32), UInt32(truncatingIfNeeded: p))
}

extension RandomStream {
    /// Philox-4x32 with 10 rounds.
    @inline(__always)
    private func philox(counter: (UInt32, UInt32, UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k0 = key0, k1 = key1
        for _ in 0..<10 {
            let p0 = mulhilo(0xD251_1F53, c.0)
            let p1 = mulhilo(0xCD9E_8D57, c.2)
            c = (p1.hi ^ c.1 ^ k0, p1.lo, p0.hi ^ c.3 ^ k1, p0.lo)
            k0 &+= 0x9E37_79B9
            k1 &+= 0xBB67_AE85
        }
        return c
    }
}

// Elementary functions without Foundation (keeps this file usable anywhere).
#if canImport(Glibc)
import Glibc
@inline(__always) func _log(_ x: Double) -> Double { Glibc.log(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Glibc.sin(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#else
import Darwin
@inline(__always) func _log(_ x: Double) -> Double { Darwin.log(x) }
@inline(__always) func _sin(_ x: Double) -> Double { Darwin.sin(x) }
@inline(__always) func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
