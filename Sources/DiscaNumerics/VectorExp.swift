/// exp on whole buffers, branch-free so the loop vectorises even for a baseline x86-64 target (the libm call
/// per element was a quarter of a mixture E-step).
///
/// exp(x) = 2^k exp(r), k = round(x / ln 2) (by the 1.5 * 2^52 rounding trick, which needs no SSE4.1),
/// r = x - k ln 2 in two parts (Cody-Waite, fdlibm's constants: k ln2Hi is exact for |k| < 2^11), |r| <= ln(2)/2,
/// exp(r) by its Taylor series to degree 13 (truncation below 1e-17 relative; Estrin's scheme), 2^k built in the exponent bits.
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
        // Estrin's scheme: the same polynomial as nested pairs, so the dependency chain is 5 steps deep instead of
        // Horner's 14 (the loop is latency-bound otherwise).
        let r2 = r * r, r4 = r2 * r2, r8 = r4 * r4
        let q0 = 1 + r, q1 = 0.5 + r * (1.0 / 6), q2 = 1.0 / 24 + r * (1.0 / 120), q3 = 1.0 / 720 + r * (1.0 / 5_040)
        let q4 = 1.0 / 40_320 + r * (1.0 / 362_880), q5 = 1.0 / 3_628_800 + r * (1.0 / 39_916_800)
        let q6 = 1.0 / 479_001_600 + r * (1.0 / 6_227_020_800)
        let s0 = q0 + r2 * q1, s1 = q2 + r2 * q3, s2 = q4 + r2 * q5
        let p = (s0 + r4 * s1) + r8 * (s2 + r4 * q6)
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
