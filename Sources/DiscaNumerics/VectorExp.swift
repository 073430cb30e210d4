/// exp on whole buffers, branch-free so the loop vectorises even for a baseline x86-64 target (the libm call
/// per element was a quarter of a mixture E-step).
///
/// exp(x) = 2^k exp(r), k = round(x / ln 2) (by the 1.5 * 2^52 rounding trick, which needs no SSE4.1),
/// r = x - k ln 2 in two parts (Cody-Waite, fdlibm's constants: k ln2Hi is exact for |k| < 2^11), |r| <= ln(2)/2,
/// exp(r) by its Taylor series to degree 13 (truncation below 1e-17 relative), 2^k built in the exponent bits.
/// Inputs below -708 give 0 (the exact value would be below 3.1e-308); inputs above 709 are out of range (inf).
/// Accuracy: a few ulp (tested against libm).
public enum VectorExp {
    @usableFromInline static let log2e = 1.4426950408889634
    @usableFromInline static let ln2Hi = 6.93147180369123816490e-01
    @usableFromInline static let ln2Lo = 1.90821492927058770002e-10
    @usableFromInline static let magic = 6_755_399_441_055_744.0   // 1.5 * 2^52
    @usableFromInline static let lowest = -708.0

    /// exp of one value, written branch-free so that a loop over it vectorises.
    @inlinable @inline(__always)
    public static func exp(_ v: Double) -> Double {
        let underflow = v < lowest
        let x = underflow ? lowest : v
        let t = x * log2e + magic
        let k = t - magic
        let r = (x - k * ln2Hi) - k * ln2Lo
        var p = 1.0 / 6_227_020_800                                      // 1/13!
        p = p * r + 1.0 / 479_001_600                                    // 1/12!
        p = p * r + 1.0 / 39_916_800
        p = p * r + 1.0 / 3_628_800
        p = p * r + 1.0 / 362_880
        p = p * r + 1.0 / 40_320
        p = p * r + 1.0 / 5_040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // t's low bits hold k (two's complement): (k + 1023) << 52 are the bits of 2^k.
        let scale = Double(bitPattern: (t.bitPattern &+ 1023) &<< 52)
        return underflow ? 0 : p * scale
    }

    /// In place: p[i] = exp(p[i]) for i in 0..<count.
    @inlinable
    public static func apply(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = exp(p[i]) }
    }
}
