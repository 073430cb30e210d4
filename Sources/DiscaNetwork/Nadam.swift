#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Nadam exactly as Keras 3 computes it (see fixtures/nadam_keras3.md), in float32. At step t = iterations + 1:
///
///     u(s) = beta1 (1 - 0.5 * 0.96^s),  P_t = P_{t-1} u(t) (stored),  P_{t+1} = P_t u(t+1) (not stored)
///     m <- m + (1 - beta1)(g - m),  v <- v + (1 - beta2)(g^2 - v)
///     m^ = u(t+1) m / (1 - P_{t+1}) + (1 - u(t)) g / (1 - P_t),  v^ = v / (1 - beta2^t)
///     theta <- theta - lr m^ / (sqrt(v^) + epsilon)
///
/// The exponent is t itself (Keras 3), not 0.004 t (Keras 2, PyTorch). The whole state lives in one flat buffer
/// `state` = [m (n) | v (n) | u_product | iterations], so a checkpoint stores and restores it as one dataset.
/// `iterations` is held as a float32 and is exact up to 2^24 steps.
public final class Nadam: @unchecked Sendable {
    public let parameterCount: Int
    public var beta1: Float
    public var beta2: Float
    public var epsilon: Float
    public let state: FloatBuffer

    public init(parameterCount n: Int, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-8) {
        parameterCount = n
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        state = FloatBuffer(count: 2 * n + 2)
        reset()
    }

    /// Back to the initial state: m = v = 0, u_product = 1, iterations = 0.
    public func reset() {
        state.zero()
        state[2 * parameterCount] = 1
    }

    public var momentum: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: state.pointer, count: parameterCount)
    }
    public var velocity: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: state.pointer + parameterCount, count: parameterCount)
    }
    public var uProduct: Float {
        get { state[2 * parameterCount] }
        set { state[2 * parameterCount] = newValue }
    }
    public var iterations: Int {
        get { Int(state[2 * parameterCount + 1]) }
        set { state[2 * parameterCount + 1] = Float(newValue) }
    }

    /// u(s) = beta1 * (1 - 0.5 * 0.96^s), in float32 like Keras.
    func momentumCache(_ s: Int) -> Float { beta1 * (1 - 0.5 * powf(0.96, Float(s))) }

    /// One update of `parameters` (n) with `gradients` (n) and learning rate `learningRate`, the elements split
    /// over `workers` threads (the result does not depend on the split).
    public func step(parameters: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>,
                     learningRate lr: Float, workers: Int = 1) {
        let n = parameterCount
        let t = iterations + 1
        let uT = momentumCache(t), uNext = momentumCache(t + 1)
        let pT = uProduct * uT            // P_t, stored
        let pNext = pT * uNext            // P_{t+1}
        let beta2Power = powf(beta2, Float(t))
        let m = state.pointer, v = state.pointer + n
        let a = uNext / (1 - pNext), b = (1 - uT) / (1 - pT), c = 1 / (1 - beta2Power)
        let oneMinusBeta1 = 1 - beta1, oneMinusBeta2 = 1 - beta2, eps = epsilon
        let pieces = n >= 1 << 16 ? max(1, workers) * 4 : 1
        ParallelWorkers.run(workers: workers, items: pieces) { _, piece in
            for i in (piece * n / pieces)..<((piece + 1) * n / pieces) {
                let g = gradients[i]
                m[i] += (g - m[i]) * oneMinusBeta1
                v[i] += (g * g - v[i]) * oneMinusBeta2
                let mHat = a * m[i] + b * g
                let vHat = v[i] * c
                parameters[i] -= (mHat * lr) / (vHat.squareRoot() + eps)
            }
        }
        uProduct = pT
        iterations = t
    }
}
