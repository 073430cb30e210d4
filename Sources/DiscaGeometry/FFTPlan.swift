import Foundation

/// A one-dimensional complex discrete Fourier transform of length n, on split real/imaginary Double arrays.
///
///     forward:  X[k] = sum_j x[j] exp(-2 pi i j k / n)
///     inverse:  x[j] = (1 / n) sum_k X[k] exp(+2 pi i j k / n)
///
/// Mixed-radix Stockham autosort (radices 4, 2, 3, 5 with dedicated butterflies, any other prime factor up to
/// `largestDirectRadix` with a plain radix-p butterfly); lengths with a larger prime factor use Bluestein's chirp-z
/// algorithm over a power-of-two transform. `DFTReference` is the plain O(n^2) sum it is tested against.
/// A plan is immutable and may be shared by threads; each call allocates its own scratch.
public final class FFTPlan: @unchecked Sendable {
    public let n: Int
    /// Largest prime handled by a direct butterfly; larger primes go through Bluestein.
    public static let largestDirectRadix = 13

    /// One Stockham pass. Its tables live in `table`: twiddles (length / radix, radix) exp(-2 pi i p u / length),
    /// real parts at `twiddleOffset`, imaginary parts right after; then the radix roots exp(-2 pi i u / radix),
    /// real at `rootOffset`, imaginary right after. Plain integers, so the hot loop touches no reference counts.
    struct Stage {
        let radix: Int
        let length: Int            // sub-transform length at this stage (n, n / r1, n / (r1 r2), ...)
        let twiddleOffset: Int
        let rootOffset: Int
    }

    let stages: [Stage]
    let table: UnsafeMutablePointer<Double>
    let bluestein: Bluestein?

    public init(length n: Int) {
        precondition(n >= 1, "FFTPlan: length must be at least 1")
        self.n = n
        let factors = FFTPlan.factorize(n)
        if let largest = factors.max(), largest > FFTPlan.largestDirectRadix {
            stages = []
            table = .allocate(capacity: 1)
            bluestein = Bluestein(n: n)
        } else {
            var stages = [Stage]()
            var values = [Double]()
            var length = n
            for r in factors {
                let m = length / r
                var twr = [Double](repeating: 0, count: m * r), twi = twr
                for p in 0..<m {
                    for u in 0..<r {
                        let angle = -2 * Double.pi * Double((p * u) % length) / Double(length)
                        twr[p * r + u] = cos(angle); twi[p * r + u] = sin(angle)
                    }
                }
                let twiddleOffset = values.count
                values += twr + twi
                let rootOffset = values.count
                values += (0..<r).map { cos(-2 * Double.pi * Double($0) / Double(r)) }
                values += (0..<r).map { sin(-2 * Double.pi * Double($0) / Double(r)) }
                stages.append(Stage(radix: r, length: length, twiddleOffset: twiddleOffset, rootOffset: rootOffset))
                length = m
            }
            self.stages = stages
            table = .allocate(capacity: max(1, values.count))
            table.initialize(from: values, count: values.count)
            bluestein = nil
        }
    }

    deinit { table.deallocate() }

    /// Radices in the order used: 4s first, then 2, 3, 5, then other primes.
    static func factorize(_ n: Int) -> [Int] {
        var f = [Int](), m = n
        while m % 4 == 0 { f.append(4); m /= 4 }
        for p in [2, 3, 5] { while m % p == 0 { f.append(p); m /= p } }
        var p = 7
        while m > 1 {
            while m % p == 0 { f.append(p); m /= p }
            p += 2
            if p * p > m && m > 1 { f.append(m); m = 1 }
        }
        return f
    }

    /// In-place forward transform of `n` complex values.
    public func forward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        if n == 1 { return }
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n)
        defer { scratch.deallocate() }
        forward(re, im, scratch: scratch)
    }

    /// In-place forward transform using `scratch` (at least 2n Doubles) as work space.
    func forward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
                 scratch: UnsafeMutablePointer<Double>) {
        if n == 1 { return }
        if let b = bluestein { b.forward(re, im); return }
        stockham(re, im, scratch, scratch + n)
    }

    /// In-place inverse transform (includes the 1/n factor): conj(forward(conj(x))) / n.
    public func inverse(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        if n == 1 { return }
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * n)
        defer { scratch.deallocate() }
        inverse(re, im, scratch: scratch)
    }

    func inverse(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>,
                 scratch: UnsafeMutablePointer<Double>) {
        for i in 0..<n { im[i] = -im[i] }
        forward(re, im, scratch: scratch)
        let s = 1 / Double(n)
        for i in 0..<n { re[i] *= s; im[i] = -im[i] * s }
    }

    /// Array convenience: returns the forward (or inverse) transform of (re, im).
    public func transform(_ re: [Double], _ im: [Double], inverse: Bool = false) -> (re: [Double], im: [Double]) {
        precondition(re.count == n && im.count == n, "FFTPlan: expected \(n) values")
        var r = re, i = im
        r.withUnsafeMutableBufferPointer { rp in
            i.withUnsafeMutableBufferPointer { ip in
                if inverse { self.inverse(rp.baseAddress!, ip.baseAddress!) }
                else { forward(rp.baseAddress!, ip.baseAddress!) }
            }
        }
        return (r, i)
    }
}
