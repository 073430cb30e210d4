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

    public init(seed: UInt64, purpose: RandomPurpose, iteration: Int = 0, index: Int = 0) {
        // The seed and purpose form the key, mixed so that nearby seeds give unrelated keys.
        let k = splitMix64(seed ^ (UInt64(purpose.rawValue) &* 0x9E37_79B9_7F4A_7C15))
        key0 = UInt32(truncatingIfNeeded: k)
        key1 = UInt32(truncatingIfNeeded: k >> 32)
        let idx = UInt64(bitPattern: Int64(index))
        counterHigh = (UInt32(truncatingIfNeeded: iteration), UInt32(truncatingIfNeeded: idx),
                       UInt32(truncatingIfNeeded: idx >> 32))
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
