import DiscaNumerics

/// How a valid 3x3x3 convolution is lowered onto sgemm.
public enum ConvLowering: Sendable, Equatable {
    /// All 27 taps in the columns: col (n * Do*Ho*Wo, 27 * Cin), then one sgemm for n samples at once.
    /// Best for few input channels (the first block) and small volumes (deep blocks, several samples per sgemm).
    case full
    /// The 9 in-plane taps in the columns, the 3 depth taps as 3 row-shifted sgemms accumulating into the output:
    /// col (Di*Ho*Wo, 9 * Cin) per sample. A third of the copying of `.full`, no wasted arithmetic.
    case planar
}

/// The fast Conv3D: im2col into a bounded scratch buffer plus large sgemms (OpenBLAS), with col2im for the input
/// gradient. `Conv3DDirect` is the reference it is tested against.
///
/// Column layout: row r = ((s * rowsD + d) * Ho + h) * Wo + w, with d over the output depths (`.full`) or the input
/// depths (`.planar`); column ((i * 3 + j) * 3 + k) * Cin + c holds x[s, d+i, h+j, w+k, c] (i only 0 for `.planar`).
/// Because the kernel (3, 3, 3, Cin, Cout) is a (27 * Cin, Cout) matrix with rows in that same (i, j, k, c) order,
/// depth tap i of `.planar` multiplies rows i*Ho*Wo ..< i*Ho*Wo + Do*Ho*Wo of col by kernel rows i*9*Cin ..< (i+1)*9*Cin.
public struct Conv3DLowered: Sendable, Equatable {
    public let geometry: ConvGeometry
    public let lowering: ConvLowering

    public init(geometry: ConvGeometry, lowering: ConvLowering) {
        self.geometry = geometry
        self.lowering = lowering
    }

    /// Depth taps gathered into the columns (3 or 1).
    var depthTaps: Int { lowering == .full ? 3 : 1 }
    /// Depths covered by the rows of one sample.
    var rowDepths: Int { lowering == .full ? geometry.outD : geometry.inD }
    var planeRows: Int { geometry.outH * geometry.outW }
    public var rowsPerSample: Int { rowDepths * planeRows }
    public var columns: Int { depthTaps * 9 * geometry.cin }
    /// Scratch floats for the columns of n samples.
    public func columnElements(samples n: Int) -> Int { n * rowsPerSample * columns }

    // MARK: - im2col / col2im

    /// col (n * rowsPerSample, columns) from x (n, Di, Hi, Wi, Cin). With `scale`/`shift` (Cin) the gathered values
    /// are x * scale[c] + shift[c] (a preceding BatchNorm applied on the fly, so its output is never stored).
    public func im2col(col: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, samples n: Int,
                       scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil) {
        for s in 0..<n {
            for d in 0..<rowDepths {
                gatherDepth(col + (s * rowDepths + d) * planeRows * columns, x + s * geometry.inElements, depth: d,
                            scale: scale, shift: shift)
            }
        }
    }

    /// The planeRows rows of depth `d` (output depth for `.full`, input depth for `.planar`) of one sample's columns.
    private func gatherDepth(_ col: UnsafeMutablePointer<Float>, _ xs: UnsafePointer<Float>, depth d: Int,
                             scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?) {
        let g = geometry, run = 3 * g.cin   // the 3 taps along w are 3*Cin contiguous values in x
        var dst = col
        for h in 0..<g.outH { for w in 0..<g.outW {
            for i in 0..<depthTaps { for j in 0..<3 {
                let src = xs + (((d + i) * g.inH + h + j) * g.inW + w) * g.cin
                if let scale, let shift {
                    for t in 0..<3 {
                        Self.affineCopy(dst + t * g.cin, src + t * g.cin, scale: scale, shift: shift, count: g.cin)
                    }
                } else {
                    dst.update(from: src, count: run)
                }
                dst += run
            } }
        } }
    }

    /// dst[c] = src[c] * scale[c] + shift[c] for c in 0..<count, eight lanes at a time (the pointers may alias as
    /// far as the compiler knows, so a plain loop stays scalar).
    @inline(__always)
    static func affineCopy(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>,
                           scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, count: Int) {
        var c = 0
        while c + 8 <= count {
            let x = UnsafeRawPointer(src + c).loadUnaligned(as: SIMD8<Float>.self)
            let s = UnsafeRawPointer(scale + c).loadUnaligned(as: SIMD8<Float>.self)
            let t = UnsafeRawPointer(shift + c).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + c).storeBytes(of: x * s + t, as: SIMD8<Float>.self)
            c += 8
        }
        while c < count { dst[c] = src[c] * scale[c] + shift[c]; c += 1 }
    }

    /// The `.planar` columns of input depth `d` of one sample: (Ho*Wo, columns) into `col`.
    public func im2colPlane(col: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, depth d: Int,
                            scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil) {
        precondition(lowering == .planar, "plane columns are for the planar lowering")
        gatherDepth(col, x, depth: d, scale: scale, shift: shift)
    }

    /// Scratch floats of `forwardPlaneRing`: three planes of columns.
    public var planeRingElements: Int { 3 * planeRows * columns }

    /// out (Do*Ho*Wo, Cout) of ONE sample, plane by plane: the columns of three input depths live in a ring of
    /// three planes (`planeRingElements` floats), each built once just before its three sgemms read it, so that
    /// OpenBLAS packs them from cache rather than from memory (a whole sample's columns are 10-20 MB in the first
    /// blocks of the paper network). Same arithmetic as im2col + `forward` of `.planar`. `planeDone(d)` runs after
    /// output plane d is complete (while it is in cache).
    public func forwardPlaneRing(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>,
                                 kernel: UnsafePointer<Float>, ring: UnsafeMutablePointer<Float>,
                                 scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil,
                                 planeDone: (Int) -> Void = { _ in }) {
        precondition(lowering == .planar, "the plane ring is for the planar lowering")
        let g = geometry, k = columns, plane = planeRows * k
        for d in 0..<2 { im2colPlane(col: ring + d * plane, x: x, depth: d, scale: scale, shift: shift) }
        for d in 0..<g.outD {
            im2colPlane(col: ring + ((d + 2) % 3) * plane, x: x, depth: d + 2, scale: scale, shift: shift)
            for t in 0..<3 {
                BLAS.sgemm(m: planeRows, n: g.cout, k: k, a: ring + ((d + t) % 3) * plane, lda: k,
                           b: kernel + t * k * g.cout, ldb: g.cout, beta: t == 0 ? 0 : 1,
                           c: out + d * planeRows * g.cout, ldc: g.cout)
            }
            planeDone(d)
        }
    }

    /// The backward pass of ONE sample plane by plane (the adjoint of `forwardPlaneRing`): dKernel += col(x)^T dOut
    /// with the columns rebuilt in a ring of three planes, and, when `dx` is given, dx (Di, Hi, Wi, Cin) = the input
    /// gradient (overwritten), the column gradient kept in a second ring of three planes and scattered into dx as
    /// soon as a plane is complete (input plane p receives output planes p-2, p-1 and p). `ring` and `dring` hold
    /// `planeRingElements` floats each.
    public func backwardPlaneRing(dx: UnsafeMutablePointer<Float>?, dKernel: UnsafeMutablePointer<Float>,
                                  dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, kernel: UnsafePointer<Float>,
                                  ring: UnsafeMutablePointer<Float>, dring: UnsafeMutablePointer<Float>,
                                  scale: UnsafePointer<Float>? = nil, shift: UnsafePointer<Float>? = nil) {
        precondition(lowering == .planar, "the plane ring is for the planar lowering")
        let g = geometry, k = columns, plane = planeRows * k, rows = planeRows
        if let dx { dx.update(repeating: 0, count: g.inElements) }
        for d in 0..<2 {
            im2colPlane(col: ring + d * plane, x: x, depth: d, scale: scale, shift: shift)
            if dx != nil { (dring + d * plane).update(repeating: 0, count: plane) }
        }
        for d in 0..<g.outD {
            let slot = (d + 2) % 3
            im2colPlane(col: ring + slot * plane, x: x, depth: d + 2, scale: scale, shift: shift)
            if dx != nil { (dring + slot * plane).update(repeating: 0, count: plane) }
            let gd = dOut + d * rows * g.cout
            for t in 0..<3 {
                let s = (d + t) % 3
                // dKernel_t (k, Cout) += col plane (rows, k)^T @ dOut plane (rows, Cout)
                BLAS.sgemm(transA: true, m: k, n: g.cout, k: rows, a: ring + s * plane, lda: k, b: gd, ldb: g.cout,
                           beta: 1, c: dKernel + t * k * g.cout, ldc: g.cout)
                if dx != nil {
                    // dcol plane (rows, k) += dOut plane (rows, Cout) @ kernel_t (k, Cout)^T
                    BLAS.sgemm(transB: true, m: rows, n: k, k: g.cout, a: gd, lda: g.cout,
                               b: kernel + t * k * g.cout, ldb: g.cout, beta: 1, c: dring + s * plane, ldc: k)
                }
            }
            if let dx { col2imPlane(dx: dx, dcol: dring + (d % 3) * plane, depth: d) }
        }
        if let dx {
            for d in g.outD..<g.inD { col2imPlane(dx: dx, dcol: dring + (d % 3) * plane, depth: d) }
        }
    }

    /// dx (Di, Hi, Wi, Cin) of one sample += the scatter of the `.planar` column gradient of input depth `d`.
    public func col2imPlane(dx: UnsafeMutablePointer<Float>, dcol: UnsafePointer<Float>, depth d: Int) {
        precondition(lowering == .planar, "plane columns are for the planar lowering")
        scatterDepth(dx, dcol, depth: d)
    }

    /// dst[q] += src[q] for q in 0..<count, eight lanes at a time.
    @inline(__always)
    static func addInPlace(_ dst: UnsafeMutablePointer<Float>, _ src: UnsafePointer<Float>, count: Int) {
        var q = 0
        while q + 8 <= count {
            let a = UnsafeRawPointer(dst + q).loadUnaligned(as: SIMD8<Float>.self)
            let b = UnsafeRawPointer(src + q).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(dst + q).storeBytes(of: a + b, as: SIMD8<Float>.self)
            q += 8
        }
        while q < count { dst[q] += src[q]; q += 1 }
    }

    /// dx (n, Di, Hi, Wi, Cin) += the scatter of dcol (n * rowsPerSample, columns): the adjoint of `im2col`
    /// without scale/shift.
    public func col2im(dx: UnsafeMutablePointer<Float>, dcol: UnsafePointer<Float>, samples n: Int) {
        for s in 0..<n {
            for d in 0..<rowDepths {
                scatterDepth(dx + s * geometry.inElements, dcol + (s * rowDepths + d) * planeRows * columns, depth: d)
            }
        }
    }

    /// The adjoint of `gatherDepth`: dxs (one sample) += the scatter of the planeRows rows of depth `d`.
    private func scatterDepth(_ dxs: UnsafeMutablePointer<Float>, _ dcol: UnsafePointer<Float>, depth d: Int) {
        let g = geometry, run = 3 * g.cin
        var src = dcol
        for h in 0..<g.outH { for w in 0..<g.outW {
            for i in 0..<depthTaps { for j in 0..<3 {
                Self.addInPlace(dxs + (((d + i) * g.inH + h + j) * g.inW + w) * g.cin, src, count: run)
                src += run
            } }
        } }
    }

    // MARK: - sgemm passes

    /// out (n, Do*Ho*Wo, Cout) = col * kernel (27 * Cin, Cout). No bias: the caller's epilogue adds it.
    public func forward(out: UnsafeMutablePointer<Float>, col: UnsafePointer<Float>,
                        kernel: UnsafePointer<Float>, samples n: Int) {
        let g = geometry, k = columns
        switch lowering {
        case .full:
            BLAS.sgemm(m: n * g.outVoxels, n: g.cout, k: k, a: col, lda: k, b: kernel, ldb: g.cout,
                       beta: 0, c: out, ldc: g.cout)
        case .planar:
            for s in 0..<n {
                for t in 0..<3 {
                    BLAS.sgemm(m: g.outVoxels, n: g.cout, k: k, a: col + (s * rowsPerSample + t * planeRows) * k,
                               lda: k, b: kernel + t * k * g.cout, ldb: g.cout, beta: t == 0 ? 0 : 1,
                               c: out + s * g.outElements, ldc: g.cout)
                }
            }
        }
    }

    /// dKernel (27 * Cin, Cout) += col^T dOut, dOut (n, Do*Ho*Wo, Cout).
    public func accumulateKernelGradient(dKernel: UnsafeMutablePointer<Float>, col: UnsafePointer<Float>,
                                         dOut: UnsafePointer<Float>, samples n: Int) {
        let g = geometry, k = columns
        switch lowering {
        case .full:
            BLAS.sgemm(transA: true, m: k, n: g.cout, k: n * g.outVoxels, a: col, lda: k, b: dOut, ldb: g.cout,
                       beta: 1, c: dKernel, ldc: g.cout)
        case .planar:
            for s in 0..<n {
                for t in 0..<3 {
                    BLAS.sgemm(transA: true, m: k, n: g.cout, k: g.outVoxels,
                               a: col + (s * rowsPerSample + t * planeRows) * k, lda: k,
                               b: dOut + s * g.outElements, ldb: g.cout, beta: 1,
                               c: dKernel + t * k * g.cout, ldc: g.cout)
                }
            }
        }
    }

    /// dcol (n * rowsPerSample, columns) = dOut kernel^T, the gradient with respect to the columns.
    public func columnGradient(dcol: UnsafeMutablePointer<Float>, dOut: UnsafePointer<Float>,
                               kernel: UnsafePointer<Float>, samples n: Int) {
        let g = geometry, k = columns
        switch lowering {
        case .full:
            BLAS.sgemm(transB: true, m: n * g.outVoxels, n: k, k: g.cout, a: dOut, lda: g.cout, b: kernel,
                       ldb: g.cout, beta: 0, c: dcol, ldc: k)
        case .planar:
            for s in 0..<n {
                let ds = dcol + s * rowsPerSample * k
                // Rows past Do*Ho*Wo are reached only by the shifted taps: clear them before accumulating.
                (ds + g.outVoxels * k).update(repeating: 0, count: (rowsPerSample - g.outVoxels) * k)
                for t in 0..<3 {
                    BLAS.sgemm(transB: true, m: g.outVoxels, n: k, k: g.cout, a: dOut + s * g.outElements,
                               lda: g.cout, b: kernel + t * k * g.cout, ldb: g.cout, beta: t == 0 ? 0 : 1,
                               c: ds + t * planeRows * k, ldc: k)
                }
            }
        }
    }
}
