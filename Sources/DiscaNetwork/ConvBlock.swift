#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// How block l of a YOPO network runs: its convolution lowering and how many samples share one im2col + sgemm.
struct BlockPlan: Sendable {
    let conv: Conv3DLowered
    /// Samples per im2col/sgemm chunk (more than one only for `.full` lowering of small volumes).
    let samplesPerChunk: Int
    /// Whether the forward pass builds its columns plane by plane (`Conv3DLowered.forwardPlaneRing`).
    let planeRing: Bool

    var geometry: ConvGeometry { conv.geometry }
    var outVoxels: Int { conv.geometry.outVoxels }
    var channels: Int { conv.geometry.cout }
    /// Output floats of one sample.
    var outElements: Int { conv.geometry.outElements }
    /// Column scratch for one chunk (per-sample columns for `.planar`, three planes on the plane ring), for
    /// `convolve` and for each of `col` and `dcol` of `convolveBackward`.
    var columnElements: Int {
        planeRing ? conv.planeRingElements : conv.columnElements(samples: conv.lowering == .full ? samplesPerChunk : 1)
    }

    /// The plan of block l under `policy`. `.full` chunks several samples into one sgemm when the volume is small.
    static func make(architecture a: YOPOArchitecture, block l: Int, policy: LoweringPolicy) -> BlockPlan {
        let g = ConvGeometry(edge: a.inputEdge(ofBlock: l), cin: a.inputChannels(ofBlock: l), cout: a.widths[l])
        let conv = Conv3DLowered(geometry: g, lowering: policy.lowering)
        var n = 1
        if policy.lowering == .full {
            let perSample = conv.columnElements(samples: 1)
            n = max(1, (policy.targetRows + g.outVoxels - 1) / g.outVoxels)
            n = min(n, max(1, policy.columnBudget / perSample), policy.maxSamplesPerChunk)
        }
        let ring = policy.lowering == .planar && conv.planeRows >= policy.ringMinPlaneRows
            && conv.columnElements(samples: 1) * MemoryLayout<Float>.size > policy.ringMinSampleColumnBytes
        return BlockPlan(conv: conv, samplesPerChunk: n, planeRing: ring)
    }

    /// The chunks (first sample, sample count) covering `batch` samples, at most `samplesPerChunk` each and small
    /// enough that every one of `workers` workers gets some.
    func chunks(batch: Int, workers: Int = 1) -> [(first: Int, count: Int)] {
        let per = max(1, min(samplesPerChunk, (batch + workers - 1) / max(workers, 1)))
        return stride(from: 0, to: batch, by: per).map { ($0, min(per, batch - $0)) }
    }

    /// out (n, Do*Ho*Wo, Cout) = conv(x (n, Di, Hi, Wi, Cin) * scale + shift), without bias. `col` holds
    /// `columnElements` floats.
    /// With `epilogue`, also runs it over the output (in place): plane by plane right after each plane is computed
    /// when the plane ring is used, else after the convolution of the chunk.
    func convolve(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, samples n: Int,
                  scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, kernel: UnsafePointer<Float>,
                  col: UnsafeMutablePointer<Float>, epilogue e: EpilogueTarget? = nil) {
        let g = geometry
        switch conv.lowering {
        case .full:
            conv.im2col(col: col, x: x, samples: n, scale: scale, shift: shift)
            conv.forward(out: out, col: col, kernel: kernel, samples: n)
        case .planar where planeRing:
            let c = g.cout, planeElements = conv.planeRows * c
            for s in 0..<n {
                let outSample = out + s * g.outElements
                let mx = e.map { $0.maxValue + s * c }, mn = e.map { $0.minValue + s * c }
                if let e, let mx, let mn { e.epilogue.start(maxValue: mx, minValue: mn) }
                conv.forwardPlaneRing(out: outSample, x: x + s * g.inElements, kernel: kernel, ring: col,
                                      scale: scale, shift: shift) { d in
                    if let e, let mx, let mn {
                        e.epilogue.rows(outSample + d * planeElements, count: conv.planeRows, bias: e.bias,
                                        maxValue: mx, minValue: mn, sums: e.sums)
                    }
                }
                if let e, let mx, let mn, let maxIndex = e.maxIndex, let minIndex = e.minIndex {
                    e.epilogue.indices(outSample, maxValue: mx, minValue: mn, maxIndex: maxIndex + s * c,
                                       minIndex: minIndex + s * c)
                }
            }
            return
        case .planar:
            for s in 0..<n {
                conv.im2col(col: col, x: x + s * g.inElements, samples: 1, scale: scale, shift: shift)
                conv.forward(out: out + s * g.outElements, col: col, kernel: kernel, samples: 1)
            }
        }
        if let e {
            e.epilogue.apply(z: out, bias: e.bias, samples: n, maxValue: e.maxValue, maxIndex: e.maxIndex,
                             minValue: e.minValue, minIndex: e.minIndex, sums: e.sums)
        }
    }

    /// Backward through the convolution for n samples: dKernel += col(x)^T dOut and, when `dx` is given,
    /// dx (n, Di, Hi, Wi, Cin) = the input gradient (overwritten). `col` and `dcol` hold `columnElements` floats.
    func convolveBackward(dx: UnsafeMutablePointer<Float>?, dKernel: UnsafeMutablePointer<Float>,
                          dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, samples n: Int,
                          scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, kernel: UnsafePointer<Float>,
                          col: UnsafeMutablePointer<Float>, dcol: UnsafeMutablePointer<Float>) {
        let g = geometry
        if planeRing {
            for s in 0..<n {
                conv.backwardPlaneRing(dx: dx.map { $0 + s * g.inElements }, dKernel: dKernel,
                                       dOut: dOut + s * g.outElements, x: x + s * g.inElements, kernel: kernel,
                                       ring: col, dring: dcol, scale: scale, shift: shift)
            }
            return
        }
        let per = conv.lowering == .full ? n : 1
        for s in stride(from: 0, to: n, by: per) {
            let xs = x + s * g.inElements, gs = dOut + s * g.outElements
            conv.im2col(col: col, x: xs, samples: per, scale: scale, shift: shift)
            conv.accumulateKernelGradient(dKernel: dKernel, col: col, dOut: gs, samples: per)
            if let dx {
                let dxs = dx + s * g.inElements
                dxs.update(repeating: 0, count: per * g.inElements)
                conv.columnGradient(dcol: dcol, dOut: gs, kernel: kernel, samples: per)
                conv.col2im(dx: dxs, dcol: dcol, samples: per)
            }
        }
    }
}

/// How the model lowers its convolutions. Measured on the paper network (one thread, CPU time, this machine's
/// AVX-512 OpenBLAS): `.planar` in every block, the first (Cin = 1) and the deepest (4^3 outputs) included, beat
/// `.full` by 5-15% per block in both passes (less copying; the 3 depth taps as row-shifted sgemms cost nothing).
public struct LoweringPolicy: Sendable, Equatable {
    public var lowering: ConvLowering = .planar
    /// For `.full`: rows aimed at in one sgemm (several small samples together), most floats of one chunk's
    /// columns, most samples per chunk.
    public var targetRows = 1024
    public var columnBudget = 4 << 20
    public var maxSamplesPerChunk = 16
    /// For `.planar`: the forward pass builds columns plane by plane (a ring of three planes) when a plane has at
    /// least this many rows (enough for an efficient sgemm) and one sample's columns exceed this many bytes (more
    /// than the caches keep).
    /// (Measured on the paper network, 2 threads: 64, 128 and 192 within 1-2% of each other; 128 puts blocks 2-6 on
    /// the ring.)
    public var ringMinPlaneRows = 128
    public var ringMinSampleColumnBytes = 2 << 20
    public init(lowering: ConvLowering = .planar) { self.lowering = lowering }
}

/// The fused epilogue of a block's convolution, in place over z (n, V, C):
/// z = elu(z + bias); per sample and channel the max and min of z (and, when index buffers are given, their first
/// voxels); and, when `sums` is given, sums (2C) += [sum z, sum z^2] (the BatchNorm moments, in Double).
/// The loops are branch-free over the channels so that they vectorize (`FastMath.exp`). A sample can be done in
/// pieces of voxels in order (`start`, `rows` per piece, `indices`), so the convolution can hand over each plane
/// while it is still in cache; the result is the same as one `apply`.
struct BlockEpilogue {
    let voxels: Int
    let channels: Int

    func apply(z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, samples n: Int,
               maxValue: UnsafeMutablePointer<Float>, maxIndex: UnsafeMutablePointer<Int32>?,
               minValue: UnsafeMutablePointer<Float>, minIndex: UnsafeMutablePointer<Int32>?,
               sums: UnsafeMutablePointer<Double>?) {
        let c = channels
        for s in 0..<n {
            let zs = z + s * voxels * c
            let mx = maxValue + s * c, mn = minValue + s * c
            start(maxValue: mx, minValue: mn)
            rows(zs, count: voxels, bias: bias, maxValue: mx, minValue: mn, sums: sums)
            if let maxIndex, let minIndex {
                indices(zs, maxValue: mx, minValue: mn, maxIndex: maxIndex + s * c, minIndex: minIndex + s * c)
            }
        }
    }

    /// Before the first piece of one sample: extremes at -inf / +inf.
    @inline(__always)
    func start(maxValue mx: UnsafeMutablePointer<Float>, minValue mn: UnsafeMutablePointer<Float>) {
        for ch in 0..<channels { mx[ch] = -.infinity; mn[ch] = .infinity }
    }

    /// `count` voxels (rows of C) of one sample, in place; extremes and sums updated.
    @inline(__always)
    func rows(_ zs: UnsafeMutablePointer<Float>, count: Int, bias: UnsafePointer<Float>,
              maxValue mx: UnsafeMutablePointer<Float>, minValue mn: UnsafeMutablePointer<Float>,
              sums: UnsafeMutablePointer<Double>?) {
        let c = channels
        for v in 0..<count {
            let row = zs + v * c
            var lane = 0
            while lane + 8 <= c {   // eight lanes at a time: the pointers may alias as far as the compiler knows
                let a = UnsafeRawPointer(row + lane).loadUnaligned(as: SIMD8<Float>.self)
                    + UnsafeRawPointer(bias + lane).loadUnaligned(as: SIMD8<Float>.self)
                let mp = UnsafeMutableRawPointer(mx + lane), np = UnsafeMutableRawPointer(mn + lane)
                let (y, m, n) = Self.step(a, mp.loadUnaligned(as: SIMD8<Float>.self), np.loadUnaligned(as: SIMD8<Float>.self))
                UnsafeMutableRawPointer(row + lane).storeBytes(of: y, as: SIMD8<Float>.self)
                mp.storeBytes(of: m, as: SIMD8<Float>.self)
                np.storeBytes(of: n, as: SIMD8<Float>.self)
                lane += 8
            }
            if lane < c {           // the last c % 8 channels through the same lanes, padded
                var a = SIMD8<Float>(), m = a, n = a
                for i in 0..<(c - lane) { a[i] = row[lane + i] + bias[lane + i]; m[i] = mx[lane + i]; n[i] = mn[lane + i] }
                let (y, m2, n2) = Self.step(a, m, n)
                for i in 0..<(c - lane) { row[lane + i] = y[i]; mx[lane + i] = m2[i]; mn[lane + i] = n2[i] }
            }
            if let sums {
                var ch = 0
                while ch + 4 <= c {   // four lanes at a time: the pointers may alias as far as the compiler knows
                    let y = SIMD4<Double>(UnsafeRawPointer(row + ch).loadUnaligned(as: SIMD4<Float>.self))
                    let sp = UnsafeMutableRawPointer(sums + ch), qp = UnsafeMutableRawPointer(sums + c + ch)
                    sp.storeBytes(of: sp.loadUnaligned(as: SIMD4<Double>.self) + y, as: SIMD4<Double>.self)
                    qp.storeBytes(of: qp.loadUnaligned(as: SIMD4<Double>.self) + y * y, as: SIMD4<Double>.self)
                    ch += 4
                }
                while ch < c {
                    let y = Double(row[ch])
                    sums[ch] += y
                    sums[c + ch] += y * y
                    ch += 1
                }
            }
        }
    }

    /// y = elu(a) and the running extremes (m, n) updated with y, on eight lanes.
    @inline(__always)
    static func step(_ a: SIMD8<Float>, _ m: SIMD8<Float>,
                     _ n: SIMD8<Float>) -> (y: SIMD8<Float>, max: SIMD8<Float>, min: SIMD8<Float>) {
        let y = (FastMath.exp(a) - 1).replacing(with: a, where: a .> 0)
        return (y, m.replacing(with: y, where: y .> m), n.replacing(with: y, where: y .< n))
    }

    /// After the last piece: the first voxels of the sample `zs` holding the extremes.
    func indices(_ zs: UnsafePointer<Float>, maxValue mx: UnsafePointer<Float>, minValue mn: UnsafePointer<Float>,
                 maxIndex mxi: UnsafeMutablePointer<Int32>, minIndex mni: UnsafeMutablePointer<Int32>) {
        let c = channels
        for ch in 0..<c { mxi[ch] = -1; mni[ch] = -1 }
        for v in 0..<voxels {
            let row = zs + v * c, vi = Int32(v)
            for ch in 0..<c {
                mxi[ch] = row[ch] == mx[ch] && mxi[ch] < 0 ? vi : mxi[ch]
                mni[ch] = row[ch] == mn[ch] && mni[ch] < 0 ? vi : mni[ch]
            }
        }
    }
}

/// The epilogue a convolution runs on its output (see `BlockPlan.convolve`): the buffers of the chunk's first
/// sample (C values per sample for the extremes), the worker's moment sums.
struct EpilogueTarget {
    let epilogue: BlockEpilogue
    let bias: UnsafePointer<Float>
    let maxValue: UnsafeMutablePointer<Float>
    let minValue: UnsafeMutablePointer<Float>
    var maxIndex: UnsafeMutablePointer<Int32>? = nil
    var minIndex: UnsafeMutablePointer<Int32>? = nil
    var sums: UnsafeMutablePointer<Double>? = nil
}

/// Branch-free elementary functions that vectorize.
enum FastMath {
    /// exp(x) for x <= 0 on eight lanes (Cephes expf: Cody-Waite reduction and a degree-5 polynomial, within
    /// 2 ulp of expf); inputs are clamped to [-87, 0] (NaN to -87), where exp(-87) ~ 1.6e-38 is already 0 next to
    /// the - 1 of ELU.
    @inline(__always)
    static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let lower = SIMD8<Float>(repeating: -87).replacing(with: x, where: x .> -87)     // max(x, -87)
        let xc = SIMD8<Float>(repeating: 0).replacing(with: lower, where: lower .< 0)  // min(., 0)
        let magic: Float = 12_582_912          // 1.5 * 2^23: adding it rounds to an integer held in the low bits
        let t = xc * 1.442_695_04 + magic
        let n = t - magic
        let r = (xc - n * 0.693_359_375) - n * -2.121_944_40e-4
        var p = SIMD8<Float>(repeating: 1.987_569_150_0e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let e = p * (r * r) + r + 1
        let tBits = unsafeBitCast(t, to: SIMD8<UInt32>.self)
        let bits = (tBits &- magic.bitPattern &+ 127) &<< 23
        return e * unsafeBitCast(bits, to: SIMD8<Float>.self)
    }
}
