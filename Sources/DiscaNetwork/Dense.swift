import DiscaNumerics

/// Dense layer as Keras computes it: y = x K + b, kernel K (In, Out), bias b (Out).
public enum Dense {
    /// y (B, Out) = x (B, In) K (In, Out) + b (Out)
    public static func forward(y: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                               bias: UnsafePointer<Float>, batch: Int, inputs: Int, outputs: Int) {
        for r in 0..<batch { (y + r * outputs).update(from: bias, count: outputs) }
        guard batch > 0 else { return }
        BLAS.sgemm(m: batch, n: outputs, k: inputs, a: x, lda: inputs, b: kernel, ldb: outputs,
                   beta: 1, c: y, ldc: outputs)
    }

    /// dK (In, Out) += x^T dy, db (Out) += sum over rows of dy, and dx (B, In) = dy K^T when `dx` is given.
    public static func backward(dx: UnsafeMutablePointer<Float>?, dKernel: UnsafeMutablePointer<Float>,
                                dBias: UnsafeMutablePointer<Float>, dy: UnsafePointer<Float>,
                                x: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                                batch: Int, inputs: Int, outputs: Int) {
        guard batch > 0 else { return }
        BLAS.sgemm(transA: true, m: inputs, n: outputs, k: batch, a: x, lda: inputs, b: dy, ldb: outputs,
                   beta: 1, c: dKernel, ldc: outputs)
        for r in 0..<batch { for o in 0..<outputs { dBias[o] += dy[r * outputs + o] } }
        if let dx {
            BLAS.sgemm(transB: true, m: batch, n: inputs, k: outputs, a: dy, lda: outputs, b: kernel, ldb: outputs,
                       beta: 0, c: dx, ldc: inputs)
        }
    }
}
