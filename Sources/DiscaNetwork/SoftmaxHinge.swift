#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Softmax over K classes followed by Keras' categorical hinge loss on soft targets y:
///   p_k = exp(z_k - max z) / sum_j exp(z_j - max z)
///   pos = sum_k y_k p_k, neg = max_k (1 - y_k) p_k, L_b = max(neg - pos + 1, 0), loss = (1 / B) sum_b L_b.
/// When the hinge is active, dL/dp_k = (1/B) ((1 - y_k) [k = argmax] - y_k) (the first arg-max on ties);
/// through the softmax dL/dz_k = p_k (dL/dp_k - sum_j p_j dL/dp_j).
public enum SoftmaxHinge {
    /// probs (B, K) = softmax(logits (B, K)); probs may alias logits.
    public static func softmax(probs: UnsafeMutablePointer<Float>, logits: UnsafePointer<Float>, batch: Int,
                               classes k: Int) {
        for b in 0..<batch {
            let z = logits + b * k, p = probs + b * k
            var m = z[0]
            for j in 1..<max(k, 1) { m = max(m, z[j]) }
            var total: Float = 0
            for j in 0..<k { p[j] = expf(z[j] - m); total += p[j] }
            for j in 0..<k { p[j] /= total }
        }
    }

    /// Per-sample hinge losses (B) of probs (B, K) against targets (B, K).
    public static func losses(probs: UnsafePointer<Float>, targets: UnsafePointer<Float>, batch: Int,
                              classes k: Int) -> [Float] {
        (0..<batch).map { b in
            let p = probs + b * k, y = targets + b * k
            var pos: Float = 0, neg: Float = -.infinity
            for j in 0..<k { pos += y[j] * p[j]; neg = max(neg, (1 - y[j]) * p[j]) }
            return max(neg - pos + 1, 0)
        }
    }

    /// dlogits (B, K) = d loss / d logits, where loss = (1 / `batchTotal`) * sum of the per-sample losses
    /// (`batchTotal` is the global batch size when the batch is split over ranks).
    public static func backward(dlogits: UnsafeMutablePointer<Float>, probs: UnsafePointer<Float>,
                                targets: UnsafePointer<Float>, batch: Int, classes k: Int, batchTotal: Int) {
        let scale = 1 / Float(batchTotal)
        for b in 0..<batch {
            let p = probs + b * k, y = targets + b * k, dz = dlogits + b * k
            var pos: Float = 0, neg: Float = -.infinity, arg = 0
            for j in 0..<k {
                pos += y[j] * p[j]
                let v = (1 - y[j]) * p[j]
                if v > neg { neg = v; arg = j }
            }
            guard neg - pos + 1 > 0 else { for j in 0..<k { dz[j] = 0 }; continue }
            // dz = p * (dp - <p, dp>) with dp_j = scale * ((1 - y_j) [j = arg] - y_j)
            var dot: Float = 0
            for j in 0..<k {
                let dp = scale * ((j == arg ? 1 - y[j] : 0) - y[j])
                dz[j] = dp
                dot += p[j] * dp
            }
            for j in 0..<k { dz[j] = p[j] * (dz[j] - dot) }
        }
    }
}
