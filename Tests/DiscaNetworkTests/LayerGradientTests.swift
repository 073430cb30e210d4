import DiscaCore
@testable import DiscaNetwork
import _TestSupport
import XCTest

/// Central finite differences against every layer's backward pass. Each check uses the scalar loss
/// L = sum_i w_i y_i (fixed random w, summed in Double), so the analytic gradient is the backward pass with dy = w.
/// Errors are relative to the largest gradient entry of the tensor; each test prints a GRADCHECK row.
final class LayerGradientTests: XCTestCase {
    let comm = SingleProcessCommunicator()

    func check(_ layer: String, _ tensor: String, numeric: [Double], analytic: [Double], tolerance: Double,
               file: StaticString = #filePath, line: UInt = #line) {
        let e = GradientCheck.relativeError(numeric: numeric, analytic: analytic)
        print(GradientCheck.row(layer, tensor, error: e, tolerance: tolerance, checked: numeric.count))
        XCTAssertLessThan(e, tolerance, "\(layer) \(tensor)", file: file, line: line)
        XCTAssertGreaterThan(analytic.map { abs($0) }.max() ?? 0, 0, "\(layer) \(tensor): gradient is all zero",
                             file: file, line: line)
    }

    func testELU() {
        var x = TestData.normal(200, seed: 1)
        let w = TestData.normal(200, seed: 2)
        var y = [Float](repeating: 0, count: 200), dx = y
        ELU.forward(y: &y, x: x, count: 200)
        ELU.backward(dx: &dx, dy: w, y: y, count: 200)
        let idx = Array(0..<200)
        let num = x.withUnsafeMutableBufferPointer { xp in
            GradientCheck.numeric(xp.baseAddress!, indices: idx, step: 1e-3) {
                var out = [Float](repeating: 0, count: 200)
                ELU.forward(y: &out, x: xp.baseAddress!, count: 200)
                return TestData.dot(w, out)
            }
        }
        check("ELU", "input", numeric: num, analytic: dx.map(Double.init), tolerance: 1e-3)
        XCTAssertEqual(ELU.value(-1e-8), 0)
        // The epilogue's eight-lane exp against expf over the whole negative range, and its clamping.
        func exp1(_ x: Float) -> Float { FastMath.exp(SIMD8<Float>(repeating: x))[0] }
        var worst: Float = 0
        for i in 0...100_000 {
            let x = -87 * Float(i) / 100_000
            worst = max(worst, abs(exp1(x) - expf(x)) / expf(x))
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(exp1(-1e-8) - 1, 0)
        XCTAssertEqual(exp1(-200), 0, accuracy: 1e-37)
        XCTAssertEqual(exp1(2), 1)                       // positive inputs clamp to 0 (ELU never uses them)
        XCTAssertEqual(exp1(.nan), exp1(-87))            // NaN clamps to the low end, never propagates
        XCTAssertEqual(ELU.value(-1e-4), expf(-1e-4) - 1)
    }

    func testBlockEpilogueMatchesPlainReference() {
        // 13 channels: one eight-lane group and a scalar tail; 3 samples of 7 voxels, with sums.
        let c = 13, v = 7, n = 3
        let z0 = TestData.normal(n * v * c, seed: 90).map { $0 * 2 }
        let bias = TestData.normal(c, seed: 91)
        var z = z0
        var mx = [Float](repeating: 0, count: n * c), mn = mx
        var mxi = [Int32](repeating: 0, count: n * c), mni = mxi
        var sums = [Double](repeating: 0, count: 2 * c)
        BlockEpilogue(voxels: v, channels: c).apply(z: &z, bias: bias, samples: n, maxValue: &mx, maxIndex: &mxi,
                                                    minValue: &mn, minIndex: &mni, sums: &sums)
        var refSums = [Double](repeating: 0, count: 2 * c)
        for s in 0..<n {
            for ch in 0..<c {
                var best = (value: -Float.infinity, at: -1), least = (value: Float.infinity, at: -1)
                for vox in 0..<v {
                    let i = (s * v + vox) * c + ch
                    let a = z0[i] + bias[ch]
                    let y = a > 0 ? a : expf(a) - 1
                    XCTAssertEqual(z[i], y, accuracy: 2e-7 * max(1, abs(y)))
                    if z[i] > best.value { best = (z[i], vox) }
                    if z[i] < least.value { least = (z[i], vox) }
                    refSums[ch] += Double(z[i])
                    refSums[c + ch] += Double(z[i]) * Double(z[i])
                }
                XCTAssertEqual(mx[s * c + ch], best.value)
                XCTAssertEqual(mn[s * c + ch], least.value)
                XCTAssertEqual(Int(mxi[s * c + ch]), best.at)
                XCTAssertEqual(Int(mni[s * c + ch]), least.at)
            }
        }
        for i in 0..<(2 * c) { XCTAssertEqual(sums[i], refSums[i], accuracy: 1e-9 * max(1, abs(refSums[i]))) }
    }

    func testGaussianDropout() {
        var x = TestData.normal(54, seed: 3)
        let w = TestData.normal(54, seed: 4)
        var noise = [Float](repeating: 0, count: 54)
        GaussianDropout.noise(&noise, rate: 0.5, seed: 9, noiseKey: RandomKey(.dropout, iteration: 3), sampleIndices: [7, 11], valuesPerSample: 27)
        var dx = [Float](repeating: 0, count: 54)
        GaussianDropout.backward(dx: &dx, dy: w, noise: noise, count: 54)
        let num = x.withUnsafeMutableBufferPointer { xp in
            GradientCheck.numeric(xp.baseAddress!, indices: Array(0..<54), step: 1e-2) {
                var y = [Float](repeating: 0, count: 54)
                GaussianDropout.forward(y: &y, x: xp.baseAddress!, noise: noise, count: 54)
                return TestData.dot(w, y)
            }
        }
        check("GaussianDropout", "input", numeric: num, analytic: dx.map(Double.init), tolerance: 1e-3)
        // The noise of a sample depends only on (seed, step, sample index).
        var again = [Float](repeating: 0, count: 27)
        GaussianDropout.noise(&again, rate: 0.5, seed: 9, noiseKey: RandomKey(.dropout, iteration: 3), sampleIndices: [11], valuesPerSample: 27)
        XCTAssertEqual(Array(noise[27...]), again)
        var otherStep = [Float](repeating: 0, count: 27)
        GaussianDropout.noise(&otherStep, rate: 0.5, seed: 9, noiseKey: RandomKey(.dropout, iteration: 4), sampleIndices: [11], valuesPerSample: 27)
        XCTAssertNotEqual(again, otherStep)
    }

    func testGaussianDropoutNoiseMoments() {
        // N(1, rate / (1 - rate)): rate 0.5 gives sd 1, rate 0.2 gives sd 0.5.
        for (rate, sd) in [(Float(0.5), 1.0), (0.2, 0.5)] {
            var noise = [Float](repeating: 0, count: 100_000)
            GaussianDropout.noise(&noise, rate: rate, seed: 5, noiseKey: RandomKey(.dropout, iteration: 0), sampleIndices: Array(0..<100),
                                  valuesPerSample: 1000)
            let mean = noise.reduce(0.0) { $0 + Double($1) } / 1e5
            let variance = noise.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / 1e5
            XCTAssertEqual(mean, 1, accuracy: 0.01)
            XCTAssertEqual(variance.squareRoot(), sd, accuracy: 0.01)
        }
    }

    func testDirectConvolution() {
        let g = ConvGeometry(inD: 5, inH: 4, inW: 6, cin: 2, cout: 3), batch = 2
        var x = TestData.normal(batch * g.inElements, seed: 10)
        var k = TestData.normal(g.kernelElements, seed: 11, sd: 0.3)
        var bias = TestData.normal(g.cout, seed: 12)
        let w = TestData.normal(batch * g.outElements, seed: 13)
        var dx = [Float](repeating: 0, count: x.count), dk = [Float](repeating: 0, count: k.count)
        var db = [Float](repeating: 0, count: g.cout)
        Conv3DDirect.backward(dx: &dx, dKernel: &dk, dBias: &db, dOut: w, x: x, kernel: k, batch: batch, geometry: g)
        func loss(_ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Double {
            var y = [Float](repeating: 0, count: batch * g.outElements)
            Conv3DDirect.forward(out: &y, x: x, kernel: k, bias: b, batch: batch, geometry: g)
            return TestData.dot(w, y)
        }
        let xi = GradientCheck.spreadIndices(count: x.count, limit: 60)
        let ki = GradientCheck.spreadIndices(count: k.count, limit: 60)
        let nx = x.withUnsafeMutableBufferPointer { xp in
            GradientCheck.numeric(xp.baseAddress!, indices: xi, step: 1e-2) { loss(xp.baseAddress!, k, bias) }
        }
        let nk = k.withUnsafeMutableBufferPointer { kp in
            GradientCheck.numeric(kp.baseAddress!, indices: ki, step: 1e-2) { loss(x, kp.baseAddress!, bias) }
        }
        let nb = bias.withUnsafeMutableBufferPointer { bp in
            GradientCheck.numeric(bp.baseAddress!, indices: [0, 1, 2], step: 1e-2) { loss(x, k, bp.baseAddress!) }
        }
        check("Conv3D (direct)", "input", numeric: nx, analytic: xi.map { Double(dx[$0]) }, tolerance: 1e-3)
        check("Conv3D (direct)", "kernel", numeric: nk, analytic: ki.map { Double(dk[$0]) }, tolerance: 1e-3)
        check("Conv3D (direct)", "bias", numeric: nb, analytic: db.map(Double.init), tolerance: 1e-3)
    }

    func testBatchNormOverChannelsAndVector() throws {
        // (B, D, H, W, C) = (2, 3, 3, 2, 4) as rows x channels, and a (5, 6) vector batch.
        for (rows, c, name) in [(36, 4, "BatchNorm (3D map)"), (5, 6, "BatchNorm (vector)")] {
            var x = TestData.normal(rows * c, seed: 20, sd: 2).map { $0 + 0.5 }
            var gamma = TestData.normal(c, seed: 21, sd: 0.3).map { $0 + 1 }
            var beta = TestData.normal(c, seed: 22, sd: 0.2)
            let w = TestData.normal(rows * c, seed: 23)
            func loss(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ b: UnsafePointer<Float>) throws -> Double {
                var y = [Float](repeating: 0, count: rows * c)
                try BatchNorm.forwardTraining(y: &y, x: x, gamma: g, beta: b, movingMean: nil, movingVariance: nil,
                                              rows: rows, channels: c, comm: comm)
                return TestData.dot(w, y)
            }
            var y = [Float](repeating: 0, count: rows * c)
            let stats = try BatchNorm.forwardTraining(y: &y, x: x, gamma: gamma, beta: beta, movingMean: nil,
                                                      movingVariance: nil, rows: rows, channels: c, comm: comm)
            var dx = [Float](repeating: 0, count: rows * c), dg = [Float](repeating: 0, count: c), db = dg
            try BatchNorm.backward(dx: &dx, dGamma: &dg, dBeta: &db, dy: w, x: x, gamma: gamma, statistics: stats,
                                   rows: rows, channels: c, comm: comm)
            let xi = GradientCheck.spreadIndices(count: x.count, limit: 40)
            let nx = try x.withUnsafeMutableBufferPointer { xp in
                try GradientCheck.numeric(xp.baseAddress!, indices: xi, step: 1e-2) { try loss(xp.baseAddress!, gamma, beta) }
            }
            let ng = try gamma.withUnsafeMutableBufferPointer { gp in
                try GradientCheck.numeric(gp.baseAddress!, indices: Array(0..<c), step: 1e-2) { try loss(x, gp.baseAddress!, beta) }
            }
            let nb = try beta.withUnsafeMutableBufferPointer { bp in
                try GradientCheck.numeric(bp.baseAddress!, indices: Array(0..<c), step: 1e-2) { try loss(x, gamma, bp.baseAddress!) }
            }
            check(name, "input", numeric: nx, analytic: xi.map { Double(dx[$0]) }, tolerance: 2e-3)
            check(name, "gamma", numeric: ng, analytic: dg.map(Double.init), tolerance: 1e-3)
            check(name, "beta", numeric: nb, analytic: db.map(Double.init), tolerance: 1e-3)
            // Normalised output: zero mean, unit (biased) variance per channel when gamma = 1, beta = 0.
            XCTAssertEqual(stats.count, rows)
        }
    }

    func testGlobalMaxPool() {
        let batch = 2, v = 10, c = 3
        var x = TestData.normal(batch * v * c, seed: 30)
        let w = TestData.normal(batch * c, seed: 31)
        var tap = [Float](repeating: 0, count: batch * c)
        var arg = [Int32](repeating: 0, count: batch * c)
        GlobalMaxPool.forward(tap: &tap, argmax: &arg, x: x, batch: batch, voxels: v, channels: c)
        var dx = [Float](repeating: 0, count: x.count)
        GlobalMaxPool.backward(dx: &dx, dtap: w, argmax: arg, batch: batch, voxels: v, channels: c)
        let num = x.withUnsafeMutableBufferPointer { xp in
            GradientCheck.numeric(xp.baseAddress!, indices: Array(0..<(batch * v * c)), step: 1e-3) {
                var t = [Float](repeating: 0, count: batch * c), a = [Int32](repeating: 0, count: batch * c)
                GlobalMaxPool.forward(tap: &t, argmax: &a, x: xp.baseAddress!, batch: batch, voxels: v, channels: c)
                return TestData.dot(w, t)
            }
        }
        check("GlobalMaxPool", "input", numeric: num, analytic: dx.map(Double.init), tolerance: 1e-3)
        for b in 0..<batch { for ch in 0..<c {
            XCTAssertEqual(tap[b * c + ch], (0..<v).map { x[(b * v + $0) * c + ch] }.max()!)
        } }
    }

    func testDense() {
        let batch = 3, n = 5, m = 4
        var x = TestData.normal(batch * n, seed: 40)
        var k = TestData.normal(n * m, seed: 41)
        var bias = TestData.normal(m, seed: 42)
        let w = TestData.normal(batch * m, seed: 43)
        func loss(_ x: UnsafePointer<Float>, _ k: UnsafePointer<Float>, _ b: UnsafePointer<Float>) -> Double {
            var y = [Float](repeating: 0, count: batch * m)
            Dense.forward(y: &y, x: x, kernel: k, bias: b, batch: batch, inputs: n, outputs: m)
            return TestData.dot(w, y)
        }
        var dx = [Float](repeating: 0, count: x.count), dk = [Float](repeating: 0, count: k.count)
        var db = [Float](repeating: 0, count: m)
        Dense.backward(dx: &dx, dKernel: &dk, dBias: &db, dy: w, x: x, kernel: k, batch: batch, inputs: n, outputs: m)
        let nx = x.withUnsafeMutableBufferPointer { p in
            GradientCheck.numeric(p.baseAddress!, indices: Array(0..<(batch * n)), step: 1e-2) { loss(p.baseAddress!, k, bias) }
        }
        let nk = k.withUnsafeMutableBufferPointer { p in
            GradientCheck.numeric(p.baseAddress!, indices: Array(0..<(n * m)), step: 1e-2) { loss(x, p.baseAddress!, bias) }
        }
        let nb = bias.withUnsafeMutableBufferPointer { p in
            GradientCheck.numeric(p.baseAddress!, indices: Array(0..<m), step: 1e-2) { loss(x, k, p.baseAddress!) }
        }
        check("Dense", "input", numeric: nx, analytic: dx.map(Double.init), tolerance: 1e-3)
        check("Dense", "kernel", numeric: nk, analytic: dk.map(Double.init), tolerance: 1e-3)
        check("Dense", "bias", numeric: nb, analytic: db.map(Double.init), tolerance: 1e-3)
    }

    func testSoftmaxCategoricalHinge() {
        let batch = 4, k = 3
        var logits = TestData.normal(batch * k, seed: 50, sd: 1.5)
        let targets = TestData.targets(labels: [0, 1, 2, 1], classes: k, smoothing: 0.18)
        func loss(_ z: UnsafePointer<Float>) -> Double {
            var p = [Float](repeating: 0, count: batch * k)
            SoftmaxHinge.softmax(probs: &p, logits: z, batch: batch, classes: k)
            return SoftmaxHinge.losses(probs: p, targets: targets, batch: batch, classes: k)
                .reduce(0.0) { $0 + Double($1) } / Double(batch)
        }
        var p = [Float](repeating: 0, count: batch * k), dz = p
        SoftmaxHinge.softmax(probs: &p, logits: logits, batch: batch, classes: k)
        SoftmaxHinge.backward(dlogits: &dz, probs: p, targets: targets, batch: batch, classes: k, batchTotal: batch)
        let num = logits.withUnsafeMutableBufferPointer { zp in
            GradientCheck.numeric(zp.baseAddress!, indices: Array(0..<(batch * k)), step: 1e-3) { loss(zp.baseAddress!) }
        }
        check("Softmax + categorical hinge", "logits", numeric: num, analytic: dz.map(Double.init), tolerance: 1e-3)
        // A hand-computed case: p = (0.5, 0.3, 0.2), y = (0.8, 0.1, 0.1): pos = 0.45, neg = max(0.1, 0.27, 0.18).
        let l = SoftmaxHinge.losses(probs: [0.5, 0.3, 0.2], targets: [0.8, 0.1, 0.1], batch: 1, classes: 3)
        XCTAssertEqual(l[0], 0.27 - 0.45 + 1, accuracy: 1e-6)
    }
}
