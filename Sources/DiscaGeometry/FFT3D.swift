/// The 3D discrete Fourier transform of a (depth, height, width) complex grid in C order, split into real and
/// imaginary Double arrays, as three passes of 1D transforms (along x, then y, then z).
///
///     forward:  F[kz, ky, kx] = sum f[z, y, x] exp(-2 pi i (kz z / D + ky y / H + kx x / W))
///     inverse:  includes 1 / (D H W)
///
/// Frequency index k on an axis of n means k / n cycles per voxel for k <= n / 2 and (k - n) / n above
/// (`FFT3D.signedFrequency`). Immutable; the plans may be shared by threads.
public final class FFT3D: @unchecked Sendable {
    public let depth: Int, height: Int, width: Int
    let planZ: FFTPlan, planY: FFTPlan, planX: FFTPlan

    public init(depth: Int, height: Int, width: Int) {
        self.depth = depth; self.height = height; self.width = width
        planX = FFTPlan(length: width)
        planY = height == width ? planX : FFTPlan(length: height)
        planZ = depth == width ? planX : (depth == height ? planY : FFTPlan(length: depth))
    }

    public convenience init(cube n: Int) { self.init(depth: n, height: n, width: n) }

    public var count: Int { depth * height * width }

    /// Signed frequency in cycles per voxel of index k on an axis of n points: k / n, or (k - n) / n for k > n / 2.
    @inline(__always) public static func signedFrequency(_ k: Int, _ n: Int) -> Double {
        Double(k <= n / 2 ? k : k - n) / Double(n)
    }

    /// Calls body(i, kz, ky, kx) for every voxel i of a (depth, height, width) FFT grid in index order, with its
    /// signed frequencies in cycles per voxel (`signedFrequency`).
    @inline(__always)
    public static func forEachFrequency(depth: Int, height: Int, width: Int,
                                        _ body: (Int, Double, Double, Double) -> Void) {
        var i = 0
        for z in 0..<depth {
            let kz = signedFrequency(z, depth)
            for y in 0..<height {
                let ky = signedFrequency(y, height)
                for x in 0..<width {
                    body(i, kz, ky, signedFrequency(x, width))
                    i += 1
                }
            }
        }
    }

    public func forward(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        pass(re, im, inverse: false)
    }

    public func inverse(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>) {
        pass(re, im, inverse: true)
    }

    /// Array convenience.
    public func forward(_ re: inout [Double], _ im: inout [Double]) {
        precondition(re.count == count && im.count == count, "FFT3D: expected \(count) values")
        re.withUnsafeMutableBufferPointer { r in im.withUnsafeMutableBufferPointer { i in
            forward(r.baseAddress!, i.baseAddress!) } }
    }

    public func inverse(_ re: inout [Double], _ im: inout [Double]) {
        precondition(re.count == count && im.count == count, "FFT3D: expected \(count) values")
        re.withUnsafeMutableBufferPointer { r in im.withUnsafeMutableBufferPointer { i in
            inverse(r.baseAddress!, i.baseAddress!) } }
    }

    private func pass(_ re: UnsafeMutablePointer<Double>, _ im: UnsafeMutablePointer<Double>, inverse: Bool) {
        let (d, h, w) = (depth, height, width)
        let longest = max(d, h, w)
        let lineRe = UnsafeMutablePointer<Double>.allocate(capacity: longest)
        let lineIm = UnsafeMutablePointer<Double>.allocate(capacity: longest)
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: 2 * longest)
        defer { lineRe.deallocate(); lineIm.deallocate(); scratch.deallocate() }
        func run(_ plan: FFTPlan, _ r: UnsafeMutablePointer<Double>, _ i: UnsafeMutablePointer<Double>) {
            if inverse { plan.inverse(r, i, scratch: scratch) } else { plan.forward(r, i, scratch: scratch) }
        }
        // x: contiguous lines, in place.
        for row in 0..<(d * h) { run(planX, re + row * w, im + row * w) }
        // y: stride w.
        if h > 1 {
            for z in 0..<d {
                for x in 0..<w {
                    let base = z * h * w + x
                    for y in 0..<h { lineRe[y] = re[base + y * w]; lineIm[y] = im[base + y * w] }
                    run(planY, lineRe, lineIm)
                    for y in 0..<h { re[base + y * w] = lineRe[y]; im[base + y * w] = lineIm[y] }
                }
            }
        }
        // z: stride h * w.
        if d > 1 {
            let plane = h * w
            for base in 0..<plane {
                for z in 0..<d { lineRe[z] = re[base + z * plane]; lineIm[z] = im[base + z * plane] }
                run(planZ, lineRe, lineIm)
                for z in 0..<d { re[base + z * plane] = lineRe[z]; im[base + z * plane] = lineIm[z] }
            }
        }
    }
}
