/// IEEE 754 binary16 (half precision), the voxel type of MRC mode 12 (MRC2014 update 20141, ccpem.ac.uk/mrc_format).
///
/// Decoded by hand rather than through `Float16`, which Swift does not offer on every platform. Every binary16 value
/// is exactly representable as a binary32 `Float`, so the conversion is exact:
/// - exponent field 1...30: normal, (-1)^s * 2^(e - 15) * (1 + f / 1024); rebias the exponent to 127 and shift the
///   10 fraction bits to the top of the 23;
/// - exponent field 0: zero or subnormal, (-1)^s * f * 2^-24 (f < 2^10, so the product is exact in Float);
/// - exponent field 31: infinity (f = 0) or NaN (f != 0, payload kept in the top fraction bits).
enum MRCFloat16 {
    @inline(__always)
    static func float(fromBits h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10 & 0x1f)
        let fraction = UInt32(h & 0x3ff)
        switch exponent {
        case 0x1f:
            return Float(bitPattern: sign | 0x7f80_0000 | fraction << 13)
        case 0:
            let magnitude = Float(fraction) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        default:
            return Float(bitPattern: sign | (exponent + 112) << 23 | fraction << 13)   // 112 = 127 - 15
        }
    }
}
