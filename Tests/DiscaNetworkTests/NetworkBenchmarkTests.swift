import DiscaCore
import DiscaNumerics
@testable import DiscaNetwork
import Foundation
import XCTest

/// The benchmark runs (tiny, debug-friendly) and reports consistent numbers. Real measurements are a release build:
///   DISCA_BENCH_NETWORK=demo|paper swift test -c release -Xswiftc -enable-testing --filter NetworkBenchmarkTests
final class NetworkBenchmarkTests: XCTestCase {
    func testTinyBenchmarkRuns() throws {
        let a = YOPOArchitecture(blocks: 2, firstWidth: 3, widthStep: 2, featureSize: 4, boxVoxels: 7)
        let r = try NetworkBenchmark.run(architecture: a, batch: 3, threads: 1, sgemmSize: 256)
        XCTAssertGreaterThan(r.featuresPerSecond, 0)
        XCTAssertGreaterThan(r.trainPerSecond, 0)
        XCTAssertEqual(r.featuresGFLOPs / r.featuresPerSecond, a.forwardFLOPsPerSample / 1e9, accuracy: 1e-9)
        XCTAssertGreaterThan(r.sgemmGFLOPs, 0)
        XCTAssertEqual(r.threads, 1)
    }

    func testMeasure() throws {
        guard let which = ProcessInfo.processInfo.environment["DISCA_BENCH_NETWORK"] else {
            throw XCTSkip("set DISCA_BENCH_NETWORK=demo|paper (release build) to measure")
        }
        // demo: configs/demo.toml (8 blocks of 8, 12, ..., 36 channels, 64 features, box 24, batch 32).
        // `disca bench network --config configs/demo.toml` measures the same from the command line.
        let batch = Int(ProcessInfo.processInfo.environment["DISCA_BENCH_BATCH"] ?? "") ?? (which == "paper" ? 64 : 32)
        let a = which == "paper" ? YOPOArchitecture.paper
            : YOPOArchitecture(blocks: 8, firstWidth: 8, widthStep: 4, featureSize: 64, boxVoxels: 24)
        let r = try NetworkBenchmark.run(architecture: a, batch: batch)
        let json = String(decoding: try JSONEncoder().encode(r), as: UTF8.self)
        print("BENCH \(which) \(a): \(json)")
        print(String(format: "BENCH wall time: features %.1f%% of sgemm, training %.1f%% of sgemm",
                     100 * r.featuresGFLOPs / r.sgemmGFLOPs, 100 * r.trainGFLOPs / r.sgemmGFLOPs))
        print(String(format: "BENCH CPU time: features %.1f%% of sgemm, training %.1f%% of sgemm",
                     100 * r.cpuTimeFeaturesGFLOPs / r.cpuTimeSgemmGFLOPs, 100 * r.cpuTimeTrainGFLOPs / r.cpuTimeSgemmGFLOPs))
    }
}

/// Per-block single-thread profile of the paper network's forward pieces (release build, gated like testMeasure):
///   DISCA_BENCH_PROFILE=1 swift test -c release -Xswiftc -enable-testing --filter NetworkProfileTests
final class NetworkProfileTests: XCTestCase {
    /// Process CPU seconds of body (robust to other processes on a shared machine; single-threaded bodies only).
    func cpuSeconds(_ body: () throws -> Void) rethrows -> Double { try NetworkBenchmark.timed(body).cpu }

    func testProfileBlocks() throws {
        guard ProcessInfo.processInfo.environment["DISCA_BENCH_PROFILE"] != nil else {
            throw XCTSkip("set DISCA_BENCH_PROFILE=1 (release build) to profile")
        }
        let a = YOPOArchitecture.paper
        let saved = DiscaNumerics.BLAS.threads
        DiscaNumerics.BLAS.setThreads(1)
        defer { DiscaNumerics.BLAS.setThreads(saved) }
        print(String(format: "PROFILE sgemm 2048^3 1 thread: %.1f GFLOP/s", NetworkBenchmark.sgemmRate()))
        for lowering in [ConvLowering?.none, .full] {
            let policy = LoweringPolicy(lowering: lowering ?? .planar)
            var total = 0.0, flops = 0.0, perSample = 0.0, perSampleGemm = 0.0
            for l in 0..<a.blocks {
                let plan = BlockPlan.make(architecture: a, block: l, policy: policy)
                let g = plan.geometry
                let n = plan.conv.lowering == .full ? plan.samplesPerChunk : 1
                let x = TestData.normal(n * g.inElements, seed: 1)
                let k = TestData.normal(g.kernelElements, seed: 2, sd: 0.05)
                let bias = [Float](repeating: 0.1, count: g.cout)
                let scale = [Float](repeating: 1.1, count: g.cin), shift = [Float](repeating: 0.1, count: g.cin)
                var out = [Float](repeating: 0, count: n * g.outElements)
                var col = [Float](repeating: 0, count: max(plan.columnElements, plan.conv.columnElements(samples: n)))
                var mx = [Float](repeating: 0, count: n * g.cout), mn = mx
                var mxi = [Int32](repeating: 0, count: n * g.cout), mni = mxi
                var sums = [Double](repeating: 0, count: 2 * g.cout)
                let reps = max(1, Int(2e9 / (g.flopsPerSample * Double(n))))
                let tIm2col = cpuSeconds { for _ in 0..<reps {
                    plan.conv.im2col(col: &col, x: x, samples: plan.conv.lowering == .full ? n : 1, scale: l == 0 ? nil : scale, shift: l == 0 ? nil : shift) } }
                    * Double(plan.conv.lowering == .full ? 1 : n)
                let tConv = cpuSeconds { for _ in 0..<reps {
                    plan.convolve(out: &out, x: x, samples: n, scale: l == 0 ? nil : scale, shift: l == 0 ? nil : shift, kernel: k, col: &col) } }
                let tEpi = cpuSeconds { for _ in 0..<reps {
                    BlockEpilogue(voxels: g.outVoxels, channels: g.cout).apply(z: &out, bias: bias, samples: n, maxValue: &mx,
                        maxIndex: nil, minValue: &mn, minIndex: nil, sums: nil) } }
                let tGemm = cpuSeconds { for _ in 0..<reps {
                    if plan.conv.lowering == .full { plan.conv.forward(out: &out, col: col, kernel: k, samples: n) }
                    else { for s in 0..<n { out.withUnsafeMutableBufferPointer { o in plan.conv.forward(out: o.baseAddress! + s * g.outElements, col: col, kernel: k, samples: 1) } } } } }
                perSample += (tConv + tEpi) / Double(reps * n)
                perSampleGemm += tGemm / Double(reps * n)
                _ = (mxi, mni, sums)
                var dk = [Float](repeating: 0, count: g.kernelElements)
                var dcol = col
                var dx = [Float](repeating: 0, count: n * g.inElements)
                let tBack = cpuSeconds { for _ in 0..<reps {
                    plan.convolveBackward(dx: &dx, dKernel: &dk, dOut: out, x: x, samples: n, scale: l == 0 ? nil : scale,
                                          shift: l == 0 ? nil : shift, kernel: k, col: &col, dcol: &dcol) } }
                let per = plan.conv.lowering == .full ? n : 1
                let tDk = cpuSeconds { for _ in 0..<reps { for s in stride(from: 0, to: n, by: per) {
                    plan.conv.accumulateKernelGradient(dKernel: &dk, col: col, dOut: out.withUnsafeBufferPointer { $0.baseAddress! + s * g.outElements }, samples: per) } } }
                let tDcol = cpuSeconds { for _ in 0..<reps { for s in stride(from: 0, to: n, by: per) {
                    plan.conv.columnGradient(dcol: &dcol, dOut: out.withUnsafeBufferPointer { $0.baseAddress! + s * g.outElements }, kernel: k, samples: per) } } }
                let tCol2im = cpuSeconds { for _ in 0..<reps { for s in stride(from: 0, to: n, by: per) {
                    plan.conv.col2im(dx: dx.withUnsafeMutableBufferPointer { $0.baseAddress! + s * g.inElements }, dcol: dcol, samples: per) } } }
                let f = g.flopsPerSample * Double(n * reps)
                print(String(format: "PROFILE   backward %.1f GFLOP/s: dKernel gemm %.1f GFLOP/s, dcol gemm %.1f GFLOP/s, col2im %.0f%% of backward",
                             2 * f / tBack / 1e9, f / tDk / 1e9, f / tDcol / 1e9, 100 * tCol2im / tBack))
                total += tConv + tEpi
                flops += f
                print(String(format: "PROFILE %@ block %2d %@ n=%2d: conv %.1f GFLOP/s (im2col %.0f%% of conv), epilogue %.0f%% of conv",
                             lowering.map { "\($0)" } ?? "auto", l + 1, "\(plan.conv.lowering)", n, f / tConv / 1e9,
                             100 * tIm2col / tConv, 100 * tEpi / tConv))
            }
            print(String(format: "PROFILE %@ per sample: conv+epilogue %.1f ms (%.1f GFLOP/s), gemm alone %.1f ms (%.1f GFLOP/s)",
                         lowering.map { "\($0)" } ?? "auto", perSample * 1e3, a.forwardFLOPsPerSample / perSample / 1e9,
                         perSampleGemm * 1e3, a.forwardFLOPsPerSample / perSampleGemm / 1e9))
            _ = (total, flops)
        }
        let r = try NetworkBenchmark.run(architecture: a, batch: 8, threads: 1)
        print(String(format: "PROFILE network batch 8, 1 thread: sgemm %.1f, features %.1f (%.1f ms per sample), train %.1f GFLOP/s (CPU time)",
                     r.cpuTimeSgemmGFLOPs, r.cpuTimeFeaturesGFLOPs, a.forwardFLOPsPerSample / r.cpuTimeFeaturesGFLOPs / 1e6, r.cpuTimeTrainGFLOPs))
    }
}

extension NetworkProfileTests {
    /// Two single-threaded sgemms on two workers against one two-threaded sgemm.
    func testWorkerScaling() throws {
        guard ProcessInfo.processInfo.environment["DISCA_BENCH_PROFILE"] != nil else { throw XCTSkip("profiling only") }
        let n = 1536
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        let c = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n * n)
        defer { c.deallocate() }
        for _ in 0..<3 {
            DiscaNumerics.BLAS.setThreads(2)
            let t2 = cpuSeconds { for _ in 0..<4 { DiscaNumerics.BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c, ldc: n) } }
            let tw = cpuSeconds {
                ParallelWorkers.run(workers: 2, items: 4) { w, _ in
                    DiscaNumerics.BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: c + w * n * n, ldc: n)
                }
            }
            let f = 4 * 2 * Double(n * n * n) / 1e9
            print(String(format: "PROFILE scaling: one sgemm on 2 BLAS threads %.1f GFLOP/s, 2 workers x 1 thread %.1f GFLOP/s", f / t2, f / tw))
        }
    }
}

extension NetworkProfileTests {
    /// Single-thread sgemm rates of the convolution shapes in both orientations.
    func testGemmOrientation() throws {
        guard ProcessInfo.processInfo.environment["DISCA_BENCH_PROFILE"] != nil else { throw XCTSkip("profiling only") }
        let saved = DiscaNumerics.BLAS.threads
        DiscaNumerics.BLAS.setThreads(1)
        defer { DiscaNumerics.BLAS.setThreads(saved) }
        for (m, n, k) in [(8000, 80, 576), (8000, 80, 1728), (2744, 128, 1008), (1000, 160, 1296), (512, 176, 4320), (2048, 2048, 2048)] {
            let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
            var c = [Float](repeating: 0, count: m * n)
            let reps = max(1, Int(4e9 / (2 * Double(m * n * k))))
            var best1 = Double.infinity, best2 = Double.infinity
            for _ in 0..<3 {
                // (a) channels-last: C (m x n) = A (m x k) B (k x n)
                best1 = min(best1, cpuSeconds { for _ in 0..<reps {
                    DiscaNumerics.BLAS.sgemm(m: m, n: n, k: k, a: a, lda: k, b: b, ldb: n, c: &c, ldc: n) } })
                // (b) channels-first: C^T (n x m) = B^T (n x k) A^T (k x m), A^T stored (k x m)
                best2 = min(best2, cpuSeconds { for _ in 0..<reps {
                    DiscaNumerics.BLAS.sgemm(transA: true, m: n, n: m, k: k, a: b, lda: n, b: a, ldb: m, c: &c, ldc: m) } })
            }
            let f = 2 * Double(m * n * k) * Double(reps) / 1e9
            print(String(format: "PROFILE gemm m=%5d n=%4d k=%4d: channels-last %.1f, channels-first %.1f GFLOP/s", m, n, k, f / best1, f / best2))
        }
    }
}

extension NetworkProfileTests {
    func testThreadScaling() throws {
        guard ProcessInfo.processInfo.environment["DISCA_BENCH_PROFILE"] != nil else { throw XCTSkip("profiling only") }
        for t in [1, 2] {
            let r = try NetworkBenchmark.run(architecture: .paper, batch: 8, threads: t)
            print(String(format: "PROFILE network batch 8, %d threads: wall: sgemm %.1f, features %.1f, train %.1f; CPU time: sgemm %.1f, features %.1f, train %.1f GFLOP/s", t,
                         r.sgemmGFLOPs, r.featuresGFLOPs, r.trainGFLOPs, r.cpuTimeSgemmGFLOPs, r.cpuTimeFeaturesGFLOPs, r.cpuTimeTrainGFLOPs))
        }
    }
}
