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

    var geometry: ConvGeometry { conv.geometry }
    var outVoxels: Int { conv.geometry.outVoxels }
    var channels: Int { conv.geometry.cout }
    /// Output floats of one sample.
    var outElements: Int { conv.geometry.outElements }
    /// Column scratch for one chunk (per-sample columns for `.planar`).
    var columnElements: Int {
        conv.columnElements(samples: conv.lowering == .full ? samplesPerChunk : 1)
    }

    /// The lowering chosen for a block: `.full` when there are few input channels (9 * Cin columns would make thin
    /// sgemms) or the output volume is small (then several samples share one sgemm, keeping M large); `.planar`
    /// otherwise (a third of the copying).
    static func make(architecture a: YOPOArchitecture, block l: Int, policy: LoweringPolicy) -> BlockPlan {
        let g = ConvGeometry(edge: a.inputEdge(ofBlock: l), cin: a.inputChannels(ofBlock: l), cout: a.widths[l])
        let full = policy.forced.map { $0 == .full }
            ?? (g.cin < policy.fullBelowInputChannels || g.outVoxels <= policy.fullAtOrBelowOutputVoxels)
        let conv = Conv3DLowered(geometry: g, lowering: full ? .full : .planar)
        var n = 1
        if full {
            let perSample = conv.columnElements(samples: 1)
            n = max(1, (policy.targetRows + g.outVoxels - 1) / g.outVoxels)
            n = min(n, max(1, policy.columnBudget / perSample), policy.maxSamplesPerChunk)
        }
        return BlockPlan(conv: conv, samplesPerChunk: n)
    }

    /// The chunks (first sample, sample count) covering `batch` samples.
    func chunks(batch: Int) -> [(first: Int, count: Int)] {
        stride(from: 0, to: batch, by: samplesPerChunk).map { ($0, min(samplesPerChunk, batch - $0)) }
    }

    /// out (n, Do*Ho*Wo, Cout) = conv(x (n, Di, Hi, Wi, Cin) * scale + shift), without bias. `col` holds
    /// `columnElements` floats.
    func convolve(out: UnsafeMutablePointer<Float>, x: UnsafePointer<Float>, samples n: Int,
                  scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, kernel: UnsafePointer<Float>,
                  col: UnsafeMutablePointer<Float>) {
        let g = geometry
        switch conv.lowering {
        case .full:
            conv.im2col(col: col, x: x, samples: n, scale: scale, shift: shift)
            conv.forward(out: out, col: col, kernel: kernel, samples: n)
        case .planar:
            for s in 0..<n {
                conv.im2col(col: col, x: x + s * g.inElements, samples: 1, scale: scale, shift: shift)
                conv.forward(out: out + s * g.outElements, col: col, kernel: kernel, samples: 1)
            }
        }
    }

    /// Backward through the convolution for n samples: dKernel += col(x)^T dOut and, when `dx` is given,
    /// dx (n, Di, Hi, Wi, Cin) = the input gradient (overwritten). `col` and `dcol` hold `columnElements` floats.
    func convolveBackward(dx: UnsafeMutablePointer<Float>?, dKernel: UnsafeMutablePointer<Float>,
                          dOut: UnsafePointer<Float>, x: UnsafePointer<Float>, samples n: Int,
                          scale: UnsafePointer<Float>?, shift: UnsafePointer<Float>?, kernel: UnsafePointer<Float>,
                          col: UnsafeMutablePointer<Float>, dcol: UnsafeMutablePointer<Float>) {
        let g = geometry
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

/// Choices for lowering the convolutions (see `BlockPlan.make`); the defaults were set by measurement.
public struct LoweringPolicy: Sendable, Equatable {
    public var fullBelowInputChannels = 8
    public var fullAtOrBelowOutputVoxels = 512
    /// Rows aimed at in one `.full` sgemm (several small samples together).
    public var targetRows = 1024
    /// Most floats of one chunk's columns.
    public var columnBudget = 4 << 20
    public var maxSamplesPerChunk = 16
    /// Use one lowering everywhere (tests).
    public var forced: ConvLowering? = nil
    public init() {}
    public init(forced: ConvLowering) { self.forced = forced }
}

/// The fused epilogue of a block's convolution, in place over z (n, V, C):
/// z = elu(z + bias); per sample and channel the max and min of z with their first voxel; and, when `sums` is
/// given, sums (2C) += [sum z, sum z^2] (the BatchNorm moments, in Double).
struct BlockEpilogue {
    let voxels: Int
    let channels: Int

    func apply(z: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, samples n: Int,
               maxValue: UnsafeMutablePointer<Float>, maxIndex: UnsafeMutablePointer<Int32>,
               minValue: UnsafeMutablePointer<Float>, minIndex: UnsafeMutablePointer<Int32>,
               sums: UnsafeMutablePointer<Double>?) {
        let c = channels
        for s in 0..<n {
            let zs = z + s * voxels * c
            let mx = maxValue + s * c, mxi = maxIndex + s * c, mn = minValue + s * c, mni = minIndex + s * c
            for ch in 0..<c { mx[ch] = -.infinity; mn[ch] = .infinity; mxi[ch] = 0; mni[ch] = 0 }
            for v in 0..<voxels {
                let row = zs + v * c
                for ch in 0..<c {
                    let a = row[ch] + bias[ch]
                    row[ch] = a > 0 ? a : expf(a) - 1
                }
                for ch in 0..<c {
                    let y = row[ch]
                    if y > mx[ch] { mx[ch] = y; mxi[ch] = Int32(v) }
                    if y < mn[ch] { mn[ch] = y; mni[ch] = Int32(v) }
                }
                if let sums {
                    for ch in 0..<c {
                        let y = Double(row[ch])
                        sums[ch] += y
                        sums[c + ch] += y * y
                    }
                }
            }
        }
    }
}
