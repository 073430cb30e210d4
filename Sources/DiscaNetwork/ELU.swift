#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// ELU with alpha = 1, as TensorFlow computes it: y = x for x > 0, exp(x) - 1 otherwise (literally exp(x) - 1 in
/// float32, not expm1). The derivative is 1 for x > 0 and exp(x) = y + 1 otherwise, so the backward pass needs only
/// the output y (y > 0 exactly when x > 0).
public enum ELU {
    @inline(__always)
    public static func value(_ x: Float) -> Float { x > 0 ? x : expf(x) - 1 }

    @inline(__always)
    public static func derivative(output y: Float) -> Float { y > 0 ? 1 : y + 1 }

    /// y (n) = elu(x (n)); y may alias x.
    public static func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, count n: Int) {
        for i in 0..<n { y[i] = value(x[i]) }
    }

    /// dx (n) = dy (n) * elu'(x), from the forward output y; dx may alias dy.
    public static func backward(dx: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>, y: UnsafePointer<Float>,
                                count n: Int) {
        for i in 0..<n { dx[i] = dy[i] * derivative(output: y[i]) }
    }
}
