import DiscaCore
import DiscaNumerics

/// Weight initialisation, keyed by (seed, purpose, tensor index) so it does not depend on the rank count.
public enum Initializers {
    /// Keras `Orthogonal` (gain 1) into `out` (rows * cols, row-major): the kernel seen as a (rows, cols) matrix with
    /// cols = last axis. A Gaussian matrix of shape (max, min) is QR-factored (LAPACK), Q's columns are multiplied by
    /// the signs of diag(R) (which makes Q uniformly distributed), and Q is transposed when rows < cols.
    public static func orthogonal(_ out: UnsafeMutableBufferPointer<Float>, rows: Int, cols: Int,
                                  stream: inout RandomStream) throws {
        precondition(out.count == rows * cols)
        let tall = max(rows, cols), narrow = min(rows, cols)
        let a = (0..<(tall * narrow)).map { _ in stream.normal() }
        let (q, rDiagonal) = try LAPACK.qr(a, m: tall, n: narrow)    // q: (tall, narrow)
        for i in 0..<tall {
            for j in 0..<narrow {
                let v = Float(q[i * narrow + j] * (rDiagonal[j] < 0 ? -1 : 1))
                if rows >= cols { out[i * cols + j] = v } else { out[j * cols + i] = v }
            }
        }
    }

    /// Keras `GlorotUniform`: U(-limit, limit), limit = sqrt(6 / (fanIn + fanOut)).
    public static func glorotUniform(_ out: UnsafeMutableBufferPointer<Float>, fanIn: Int, fanOut: Int,
                                     stream: inout RandomStream) {
        let limit = (6.0 / Double(fanIn + fanOut)).squareRoot()
        for i in out.indices { out[i] = Float((2 * stream.uniform() - 1) * limit) }
    }
}
