/// Small dense symmetric-matrix kernels in plain Swift (row-major, n up to a few dozen), used where a LAPACK call per
/// tiny matrix would cost more than the arithmetic and where bit-identical results on every rank matter (the
/// mixture M-step runs on every rank from the same reduced sums). Each is the textbook algorithm, in Double.
public enum SmallMatrix {
    /// In-place Cholesky factorisation A = L L^T of the symmetric positive definite n x n row-major matrix `a`
    /// (only the lower triangle is read). On success the lower triangle holds L and the strict upper triangle is
    /// zeroed. Returns false (and leaves `a` partly overwritten) when a pivot is not positive or not finite.
    public static func choleskyLower(_ a: UnsafeMutablePointer<Double>, n: Int) -> Bool {
        for j in 0..<n {
            var diag = a[j * n + j]
            for p in 0..<j { diag -= a[j * n + p] * a[j * n + p] }
            guard diag > 0, diag.isFinite else { return false }
            let ljj = diag.squareRoot()
            a[j * n + j] = ljj
            let inv = 1 / ljj
            for i in (j + 1)..<n {
                var s = a[i * n + j]
                for p in 0..<j { s -= a[i * n + p] * a[j * n + p] }
                a[i * n + j] = s * inv
            }
        }
        for i in 0..<n { for j in (i + 1)..<n { a[i * n + j] = 0 } }
        return true
    }

    /// Array form of `choleskyLower`; returns nil when the matrix is not (numerically) positive definite.
    public static func choleskyLower(_ a: [Double], n: Int) -> [Double]? {
        precondition(a.count == n * n)
        var l = a
        let ok = l.withUnsafeMutableBufferPointer { choleskyLower($0.baseAddress!, n: n) }
        return ok ? l : nil
    }

    /// The inverse of a lower-triangular n x n matrix (row-major; the result is lower triangular), by forward
    /// substitution column by column.
    public static func invertLowerTriangular(_ l: [Double], n: Int) -> [Double] {
        precondition(l.count == n * n)
        var inv = [Double](repeating: 0, count: n * n)
        for c in 0..<n {
            // Solve L y = e_c; y is column c of the inverse (zero above row c).
            inv[c * n + c] = 1 / l[c * n + c]
            for i in (c + 1)..<n {
                var s = 0.0
                for p in c..<i { s -= l[i * n + p] * inv[p * n + c] }
                inv[i * n + c] = s / l[i * n + i]
            }
        }
        return inv
    }

    /// The inverse of a symmetric positive definite matrix through its Cholesky factor:
    /// A^-1 = L^-T L^-1. Returns nil when A is not positive definite.
    public static func inverseSPD(_ a: [Double], n: Int) -> [Double]? {
        guard let l = choleskyLower(a, n: n) else { return nil }
        let li = invertLowerTriangular(l, n: n)
        var out = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0...i {
                // (L^-T L^-1)_ij = sum_p Li[p, i] Li[p, j], p >= max(i, j) = i
                var s = 0.0
                for p in i..<n { s += li[p * n + i] * li[p * n + j] }
                out[i * n + j] = s
                out[j * n + i] = s
            }
        }
        return out
    }

    /// Transpose of an n x n row-major matrix.
    public static func transpose(_ a: [Double], n: Int) -> [Double] {
        var t = [Double](repeating: 0, count: n * n)
        for i in 0..<n { for j in 0..<n { t[j * n + i] = a[i * n + j] } }
        return t
    }
}
