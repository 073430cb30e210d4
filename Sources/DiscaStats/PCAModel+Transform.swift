import DiscaNumerics

extension PCAModel {
    /// Projects local rows onto the components: (count, inputDims) -> (count, componentCount), in Double.
    /// Purely local (no communication); the output keeps the input's `firstRow`.
    public func transformDouble<S>(_ rows: LocalRows<S>) -> LocalRows<Double> {
        precondition(rows.dims == inputDims, "PCA transform: rows of \(rows.dims), model expects \(inputDims)")
        let d = inputDims, k = componentCount, block = PCA.blockRows
        var out = [Double](repeating: 0, count: rows.count * k)
        var centred = [Double](repeating: 0, count: block * d)
        rows.values.withUnsafeBufferPointer { x in
            var start = 0
            while start < rows.count {
                let b = min(block, rows.count - start)
                for r in 0..<b { for j in 0..<d { centred[r * d + j] = Double(x[(start + r) * d + j]) - mean[j] } }
                // out[start..., :] (b, k) = centred (b, d) @ components^T (d, k)
                centred.withUnsafeBufferPointer { a in
                    components.withUnsafeBufferPointer { w in
                        out.withUnsafeMutableBufferPointer { o in
                            BLAS.dgemm(transB: true, m: b, n: k, k: d, a: a.baseAddress!, lda: d,
                                       b: w.baseAddress!, ldb: d, c: o.baseAddress! + start * k, ldc: k)
                        }
                    }
                }
                start += b
            }
        }
        return LocalRows(values: out, dims: k, firstRow: rows.firstRow)
    }

    /// Projects local rows onto the components, rounded to Float.
    public func transform<S>(_ rows: LocalRows<S>) -> LocalRows<Float> {
        let t = transformDouble(rows)
        return LocalRows(values: t.values.map { Float($0) }, dims: t.dims, firstRow: t.firstRow)
    }
}
