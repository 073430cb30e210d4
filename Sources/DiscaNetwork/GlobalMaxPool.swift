/// Global max pooling over the volume of a channels-last map: tap[b, c] = max_v x[b, v, c]. The gradient goes to
/// the first maximising voxel (TensorFlow shares it among exact ties, which real data do not have).
public enum GlobalMaxPool {
    /// tap (B, C) and argmax (B, C) (voxel index) from x (B, V, C).
    public static func forward(tap: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
                               x: UnsafePointer<Float>, batch: Int, voxels v: Int, channels c: Int) {
        for b in 0..<batch {
            let xb = x + b * v * c
            for ch in 0..<c { tap[b * c + ch] = xb[ch]; argmax[b * c + ch] = 0 }
            for p in 1..<max(v, 1) {
                let row = xb + p * c
                for ch in 0..<c where row[ch] > tap[b * c + ch] {
                    tap[b * c + ch] = row[ch]
                    argmax[b * c + ch] = Int32(p)
                }
            }
        }
    }

    /// dx (B, V, C) += dtap (B, C) scattered to the arg-max voxels.
    public static func backward(dx: UnsafeMutablePointer<Float>, dtap: UnsafePointer<Float>,
                                argmax: UnsafePointer<Int32>, batch: Int, voxels v: Int, channels c: Int) {
        for b in 0..<batch {
            for ch in 0..<c { dx[(b * v + Int(argmax[b * c + ch])) * c + ch] += dtap[b * c + ch] }
        }
    }
}
