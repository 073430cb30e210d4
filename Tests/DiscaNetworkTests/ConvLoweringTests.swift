import DiscaCore
@testable import DiscaNetwork
import XCTest

/// The BLAS-lowered convolution (both lowerings) against the direct reference, forward and backward, on odd shapes.
final class ConvLoweringTests: XCTestCase {
    func compare(_ g: ConvGeometry, batch: Int, lowering: ConvLowering, affine: Bool) {
        let x = TestData.normal(batch * g.inElements, seed: 60)
        let k = TestData.normal(g.kernelElements, seed: 61, sd: 0.2)
        let scale = TestData.normal(g.cin, seed: 63), shift = TestData.normal(g.cin, seed: 64)
        let dOut = TestData.normal(batch * g.outElements, seed: 65)
        // The reference sees the affine-mapped input explicitly.
        var xin = x
        if affine { for i in xin.indices { xin[i] = x[i] * scale[i % g.cin] + shift[i % g.cin] } }
        var ref = [Float](repeating: 0, count: batch * g.outElements)
        Conv3DDirect.forward(out: &ref, x: xin, kernel: k, bias: [Float](repeating: 0, count: g.cout), batch: batch, geometry: g)
        var refDx = [Float](repeating: 0, count: x.count), refDk = [Float](repeating: 0, count: k.count)
        var refDb = [Float](repeating: 0, count: g.cout)
        Conv3DDirect.backward(dx: &refDx, dKernel: &refDk, dBias: &refDb, dOut: dOut, x: xin, kernel: k, batch: batch, geometry: g)

        let conv = Conv3DLowered(geometry: g, lowering: lowering)
        var col = [Float](repeating: .nan, count: conv.columnElements(samples: batch))
        var dcol = col
        var out = [Float](repeating: .nan, count: batch * g.outElements)
        conv.im2col(col: &col, x: x, samples: batch, scale: affine ? scale : nil, shift: affine ? shift : nil)
        conv.forward(out: &out, col: col, kernel: k, samples: batch)
        XCTAssertLessThan(TestData.relativeDifference(out, ref), 1e-5, "forward \(lowering) \(g)")

        var dk = [Float](repeating: 0, count: k.count), dx = [Float](repeating: 0, count: x.count)
        conv.accumulateKernelGradient(dKernel: &dk, col: col, dOut: dOut, samples: batch)
        conv.columnGradient(dcol: &dcol, dOut: dOut, kernel: k, samples: batch)
        conv.col2im(dx: &dx, dcol: dcol, samples: batch)
        XCTAssertLessThan(TestData.relativeDifference(dk, refDk), 1e-5, "kernel gradient \(lowering) \(g)")
        XCTAssertLessThan(TestData.relativeDifference(dx, refDx), 1e-5, "input gradient \(lowering) \(g)")
    }

    func testFullLoweringMatchesDirect() {
        compare(ConvGeometry(inD: 5, inH: 6, inW: 7, cin: 3, cout: 5), batch: 2, lowering: .full, affine: false)
        compare(ConvGeometry(inD: 3, inH: 3, inW: 3, cin: 1, cout: 1), batch: 3, lowering: .full, affine: false)
        compare(ConvGeometry(inD: 4, inH: 5, inW: 3, cin: 2, cout: 7), batch: 1, lowering: .full, affine: true)
        // Eight-lane gathers with a scalar tail (11 = 8 + 3) and without one (16).
        compare(ConvGeometry(inD: 4, inH: 3, inW: 5, cin: 11, cout: 4), batch: 2, lowering: .full, affine: true)
        compare(ConvGeometry(inD: 3, inH: 4, inW: 4, cin: 16, cout: 3), batch: 1, lowering: .full, affine: true)
    }

    func testPlanarLoweringMatchesDirect() {
        compare(ConvGeometry(inD: 5, inH: 6, inW: 7, cin: 3, cout: 5), batch: 2, lowering: .planar, affine: false)
        compare(ConvGeometry(inD: 3, inH: 4, inW: 3, cin: 1, cout: 2), batch: 3, lowering: .planar, affine: false)
        compare(ConvGeometry(inD: 6, inH: 3, inW: 5, cin: 5, cout: 3), batch: 2, lowering: .planar, affine: true)
        compare(ConvGeometry(inD: 4, inH: 5, inW: 3, cin: 11, cout: 5), batch: 2, lowering: .planar, affine: true)
        compare(ConvGeometry(inD: 3, inH: 3, inW: 4, cin: 16, cout: 2), batch: 2, lowering: .planar, affine: true)
    }

    func testPlaneRingMatchesDirectWithFusedEpilogue() {
        for (g, affine) in [(ConvGeometry(inD: 6, inH: 4, inW: 5, cin: 11, cout: 13), true),
                            (ConvGeometry(inD: 3, inH: 5, inW: 3, cin: 2, cout: 3), false)] {
            let x = TestData.normal(g.inElements, seed: 80)
            let k = TestData.normal(g.kernelElements, seed: 81, sd: 0.2)
            let scale = TestData.normal(g.cin, seed: 82), shift = TestData.normal(g.cin, seed: 83)
            let bias = TestData.normal(g.cout, seed: 84)
            var xin = x
            if affine { for i in xin.indices { xin[i] = x[i] * scale[i % g.cin] + shift[i % g.cin] } }
            var ref = [Float](repeating: 0, count: g.outElements)
            Conv3DDirect.forward(out: &ref, x: xin, kernel: k, bias: [Float](repeating: 0, count: g.cout), batch: 1, geometry: g)
            let conv = Conv3DLowered(geometry: g, lowering: .planar)
            var ring = [Float](repeating: .nan, count: conv.planeRingElements)
            var out = [Float](repeating: .nan, count: g.outElements)
            var planes: [Int] = []
            conv.forwardPlaneRing(out: &out, x: x, kernel: k, ring: &ring, scale: affine ? scale : nil,
                                  shift: affine ? shift : nil) { planes.append($0) }
            XCTAssertEqual(planes, Array(0..<g.outD))
            XCTAssertLessThan(TestData.relativeDifference(out, ref), 1e-5, "plane ring \(g)")

            // Backward: kernel and input gradients against the direct reference.
            let dOut = TestData.normal(g.outElements, seed: 85)
            var refDx = [Float](repeating: 0, count: x.count), refDk = [Float](repeating: 0, count: k.count)
            var refDb = [Float](repeating: 0, count: g.cout)
            Conv3DDirect.backward(dx: &refDx, dKernel: &refDk, dBias: &refDb, dOut: dOut, x: xin, kernel: k, batch: 1,
                                  geometry: g)
            var dx = [Float](repeating: .nan, count: x.count), dk = [Float](repeating: 0, count: k.count)
            var dring = [Float](repeating: .nan, count: conv.planeRingElements)
            conv.backwardPlaneRing(dx: &dx, dKernel: &dk, dOut: dOut, x: x, kernel: k, ring: &ring, dring: &dring,
                                   scale: affine ? scale : nil, shift: affine ? shift : nil)
            XCTAssertLessThan(TestData.relativeDifference(dk, refDk), 1e-5, "plane ring kernel gradient \(g)")
            XCTAssertLessThan(TestData.relativeDifference(dx, refDx), 1e-5, "plane ring input gradient \(g)")
            var dk2 = [Float](repeating: 0, count: k.count)
            conv.backwardPlaneRing(dx: nil, dKernel: &dk2, dOut: dOut, x: x, kernel: k, ring: &ring, dring: &dring,
                                   scale: affine ? scale : nil, shift: affine ? shift : nil)
            XCTAssertEqual(dk2, dk, "kernel gradient without the input gradient")

            // Through BlockPlan with the epilogue fused per plane == the separate epilogue over the whole output.
            let plan = BlockPlan(conv: conv, samplesPerChunk: 1, planeRing: true)
            let epilogue = BlockEpilogue(voxels: g.outVoxels, channels: g.cout)
            var fused = [Float](repeating: .nan, count: g.outElements), col = ring
            var mx = [Float](repeating: 0, count: g.cout), mn = mx, mx2 = mx, mn2 = mx
            var mxi = [Int32](repeating: 0, count: g.cout), mni = mxi, mxi2 = mxi, mni2 = mxi
            var sums = [Double](repeating: 0, count: 2 * g.cout), sums2 = sums
            mx.withUnsafeMutableBufferPointer { mxp in mn.withUnsafeMutableBufferPointer { mnp in
                mxi.withUnsafeMutableBufferPointer { mxip in mni.withUnsafeMutableBufferPointer { mnip in
                    sums.withUnsafeMutableBufferPointer { sp in bias.withUnsafeBufferPointer { bp in
                        let target = EpilogueTarget(epilogue: epilogue, bias: bp.baseAddress!, maxValue: mxp.baseAddress!,
                                                    minValue: mnp.baseAddress!, maxIndex: mxip.baseAddress!,
                                                    minIndex: mnip.baseAddress!, sums: sp.baseAddress!)
                        plan.convolve(out: &fused, x: x, samples: 1, scale: affine ? scale : nil,
                                      shift: affine ? shift : nil, kernel: k, col: &col, epilogue: target)
                    } }
                } }
            } }
            var separate = out
            epilogue.apply(z: &separate, bias: bias, samples: 1, maxValue: &mx2, maxIndex: &mxi2, minValue: &mn2,
                           minIndex: &mni2, sums: &sums2)
            XCTAssertEqual(fused, separate)
            XCTAssertEqual(mx, mx2); XCTAssertEqual(mn, mn2); XCTAssertEqual(mxi, mxi2); XCTAssertEqual(mni, mni2)
            XCTAssertEqual(sums, sums2)
            XCTAssertTrue(mxi.allSatisfy { $0 >= 0 } && mni.allSatisfy { $0 >= 0 })
        }
    }

    func testBlockPlanChunksMatchDirect() {
        // The model's entry points (convolve / convolveBackward with chunks of several samples).
        let a = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 2, featureSize: 4, boxVoxels: 7)
        for lowering in [ConvLowering.full, .planar] {
            var policy = LoweringPolicy(lowering: lowering)
            policy.targetRows = 100   // several samples per chunk for .full
            let plan = BlockPlan.make(architecture: a, block: 1, policy: policy)
            let g = plan.geometry, batch = 3
            let x = TestData.normal(batch * g.inElements, seed: 70)
            let k = TestData.normal(g.kernelElements, seed: 71, sd: 0.2)
            let dOut = TestData.normal(batch * g.outElements, seed: 72)
            var ref = [Float](repeating: 0, count: batch * g.outElements)
            Conv3DDirect.forward(out: &ref, x: x, kernel: k, bias: [Float](repeating: 0, count: g.cout), batch: batch, geometry: g)
            var refDx = [Float](repeating: 0, count: x.count), refDk = [Float](repeating: 0, count: k.count)
            var refDb = [Float](repeating: 0, count: g.cout)
            Conv3DDirect.backward(dx: &refDx, dKernel: &refDk, dBias: &refDb, dOut: dOut, x: x, kernel: k, batch: batch, geometry: g)
            var out = [Float](repeating: 0, count: ref.count), dx = [Float](repeating: .nan, count: x.count)
            var dk = [Float](repeating: 0, count: k.count)
            var col = [Float](repeating: 0, count: plan.columnElements), dcol = col
            x.withUnsafeBufferPointer { xp in dOut.withUnsafeBufferPointer { gp in
                out.withUnsafeMutableBufferPointer { op in dx.withUnsafeMutableBufferPointer { dxp in
                    for (first, n) in plan.chunks(batch: batch) {
                        let xs = xp.baseAddress! + first * g.inElements, gs = gp.baseAddress! + first * g.outElements
                        plan.convolve(out: op.baseAddress! + first * g.outElements, x: xs, samples: n, scale: nil,
                                      shift: nil, kernel: k, col: &col)
                        plan.convolveBackward(dx: dxp.baseAddress! + first * g.inElements, dKernel: &dk, dOut: gs,
                                              x: xs, samples: n, scale: nil, shift: nil, kernel: k, col: &col,
                                              dcol: &dcol)
                    }
                } }
            } }
            if lowering == .full { XCTAssertGreaterThan(plan.samplesPerChunk, 1) }
            XCTAssertLessThan(TestData.relativeDifference(out, ref), 1e-5)
            XCTAssertLessThan(TestData.relativeDifference(dk, refDk), 1e-5)
            XCTAssertLessThan(TestData.relativeDifference(dx, refDx), 1e-5)
        }
    }
}
