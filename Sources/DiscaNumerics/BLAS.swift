import _COpenBLAS
import DiscaCore

/// Thin, checked wrappers over CBLAS (row-major throughout). Matrices are flat buffers with a leading dimension.
public enum BLAS {
    /// C (m x n) = alpha * op(A) (m x k) * op(B) (k x n) + beta * C, float32, row-major.
    @inlinable
    public static func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Float = 1, a: UnsafePointer<Float>, lda: Int,
                             b: UnsafePointer<Float>, ldb: Int,
                             beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C (m x n) = alpha * op(A) * op(B) + beta * C, float64, row-major.
    @inlinable
    public static func dgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int,
                             alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                             b: UnsafePointer<Double>, ldb: Int,
                             beta: Double = 0, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// C (n x n, upper and lower filled) += alpha * A^T A for A (k x n) row-major, float64 (sum of outer products).
    public static func dsyrkAccumulate(n: Int, k: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                                       c: UnsafeMutablePointer<Double>) {
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, blasint(n), blasint(k), alpha, a, blasint(lda), 1, c,
                    blasint(n))
        for i in 0..<n { for j in 0..<i { c[i * n + j] = c[j * n + i] } }
    }

    /// The number of threads OpenBLAS uses.
    public static var threads: Int { Int(openblas_get_num_threads()) }
    public static func setThreads(_ n: Int) { openblas_set_num_threads(Int32(n)) }

    /// Runs `body` with OpenBLAS held to one thread (for work already spread over threads of our own), then
    /// restores the previous count. Call from one thread at a time (the count is process-wide).
    public static func singleThreaded<T>(_ body: () throws -> T) rethrows -> T {
        let previous = threads
        if previous == 1 { return try body() }
        setThreads(1)
        defer { setThreads(previous) }
        return try body()
    }
}

/// Checked wrappers over LAPACKE (row-major). Each failure names the routine and its info code.
public enum LAPACK {
    /// Symmetric eigen-decomposition of the n x n row-major matrix `a` (overwritten by the eigenvectors as columns).
    /// Returns the eigenvalues in ascending order.
    public static func symmetricEigen(_ a: inout [Double], n: Int) throws -> [Double] {
        var w = [Double](repeating: 0, count: n)
        let info = LAPACKE_dsyevd(disca_lapack_row_major(), Int8(UInt8(ascii: "V")), Int8(UInt8(ascii: "U")),
                                  Int32(n), &a, Int32(n), &w)
        try check(info, "LAPACKE_dsyevd (\(n)x\(n))")
        return w
    }

    /// Cholesky factor L (lower, row-major, upper part zeroed) of the symmetric positive definite n x n matrix.
    /// Throws when the matrix is not positive definite.
    public static func cholesky(_ a: inout [Double], n: Int) throws {
        let info = LAPACKE_dpotrf(disca_lapack_row_major(), Int8(UInt8(ascii: "L")), Int32(n), &a, Int32(n))
        try check(info, "LAPACKE_dpotrf (\(n)x\(n))")
        for i in 0..<n { for j in (i + 1)..<n { a[i * n + j] = 0 } }
    }

    /// QR of the m x n row-major float64 matrix (m >= n): returns Q (m x n, orthonormal columns) and the diagonal of R.
    public static func qr(_ a: [Double], m: Int, n: Int) throws -> (q: [Double], rDiagonal: [Double]) {
        var q = a
        var tau = [Double](repeating: 0, count: min(m, n))
        try check(LAPACKE_dgeqrf(disca_lapack_row_major(), Int32(m), Int32(n), &q, Int32(n), &tau),
                  "LAPACKE_dgeqrf (\(m)x\(n))")
        let diag = (0..<min(m, n)).map { q[$0 * n + $0] }
        try check(LAPACKE_dorgqr(disca_lapack_row_major(), Int32(m), Int32(n), Int32(min(m, n)), &q,
                                 Int32(n), &tau), "LAPACKE_dorgqr (\(m)x\(n))")
        return (q, diag)
    }

    /// Inverse of a symmetric positive definite matrix via Cholesky (dpotrf + dpotri); full matrix returned.
    public static func inverseSPD(_ a: [Double], n: Int) throws -> [Double] {
        var m = a
        try check(LAPACKE_dpotrf(disca_lapack_row_major(), Int8(UInt8(ascii: "L")), Int32(n), &m, Int32(n)),
                  "LAPACKE_dpotrf (\(n)x\(n))")
        try check(LAPACKE_dpotri(disca_lapack_row_major(), Int8(UInt8(ascii: "L")), Int32(n), &m, Int32(n)),
                  "LAPACKE_dpotri (\(n)x\(n))")
        for i in 0..<n { for j in (i + 1)..<n { m[i * n + j] = m[j * n + i] } }
        return m
    }

    static func check(_ info: Int32, _ call: String) throws {
        if info < 0 { throw DiscaError.native(call: call, detail: "argument \(-info) had an illegal value") }
        if info > 0 { throw DiscaError.native(call: call, detail: "info \(info) (matrix singular or not positive definite)") }
    }
}
