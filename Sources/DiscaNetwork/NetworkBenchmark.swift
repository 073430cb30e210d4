import DiscaCore
import DiscaNumerics
import Dispatch
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Throughput of the YOPO network on this machine, next to the sgemm rate measured in the same run.
public struct NetworkBenchmarkResult: Sendable, Codable, Equatable {
    /// Subtomograms per second through feature extraction (inference mode).
    public var featuresPerSecond: Double
    /// Subtomograms per second through a training step (forward, loss, backward, Nadam update).
    public var trainPerSecond: Double
    /// Useful GFLOP/s of feature extraction (convolutions and Dense, `forwardFLOPsPerSample` per subtomogram).
    public var featuresGFLOPs: Double
    /// Useful GFLOP/s of training (3 x the forward FLOPs per subtomogram).
    public var trainGFLOPs: Double
    /// A large square sgemm (2048^3 by default) on the same threads, in the same run: the ceiling (the better of
    /// the rates measured before and after the network passes).
    public var sgemmGFLOPs: Double
    /// Threads used (OpenBLAS threads for the sgemm, worker threads for the network).
    public var threads: Int
    public var batch: Int
    /// Bytes of the training workspace for this batch (activations kept for the backward pass and scratch).
    public var workspaceBytes: Int
    /// Peak resident memory of the process so far (getrusage), bytes.
    public var peakResidentBytes: Int
    /// The same three rates from process CPU time instead of wall time (GFLOP per CPU-second times `threads`):
    /// what the run would reach with the cores to itself. On a shared machine the wall-time rates are lower and
    /// noisy; serial sections cost less here than on the wall clock.
    public var cpuTimeFeaturesGFLOPs: Double
    public var cpuTimeTrainGFLOPs: Double
    public var cpuTimeSgemmGFLOPs: Double
}

#if canImport(Glibc)
private let RUSAGE_SELF_ID = __rusage_who_t(RUSAGE_SELF.rawValue)
#else
private let RUSAGE_SELF_ID = RUSAGE_SELF
#endif

public enum NetworkBenchmark {
    /// Measures feature extraction and one training step on `batch` random subtomograms, and a large sgemm, all with
    /// `threads` threads (default: OpenBLAS' current count). One untimed warm-up pass with two samples first.
    public static func run(architecture: YOPOArchitecture, batch: Int, threads: Int? = nil, seed: UInt64 = 1,
                           sgemmSize: Int = 2048) throws -> NetworkBenchmarkResult {
        try architecture.validate()
        guard batch >= 1 else { throw DiscaError.badInput("benchmark batch must be at least 1") }
        let t = max(1, threads ?? BLAS.threads)
        let savedThreads = BLAS.threads
        BLAS.setThreads(t)
        defer { BLAS.setThreads(savedThreads) }

        let (sgemmBefore, sgemmCPUBefore) = sgemmRates(size: sgemmSize, threads: t)
        let model = try YOPOModel(architecture: architecture, classes: 5, seed: seed, threads: t)
        let v = architecture.inputVoxels
        var x = [Float](repeating: 0, count: batch * v)
        var stream = RandomStream(seed: seed, key: RandomKey(.test, iteration: 0, item: 0))
        x.withUnsafeMutableBufferPointer { stream.fillNormal($0) }
        var targets = [Float](repeating: 0.04, count: batch * 5)
        for b in 0..<batch { targets[b * 5 + b % 5] = 0.84 }
        let comm = SingleProcessCommunicator()

        // Warm-up (code paths, OpenBLAS buffers), then allocate the full-batch workspace outside the timing.
        let warm = min(batch, 2)
        _ = try model.extractFeatures(Array(x.prefix(warm * v)))
        try model.trainStep(inputs: Array(x.prefix(warm * v)), targets: Array(targets.prefix(warm * 5)),
                            sampleIndices: Array(0..<warm), noiseKey: RandomKey(.dropout), seed: seed, comm: comm)
        model.training.prepare(batch: batch, architecture: architecture, plans: model.plans, workers: t, classes: 5)

        // The machine may be shared: the best of two feature passes, and the best sgemm rate seen before or after.
        var featureSeconds = Double.infinity, featureCPU = Double.infinity
        for _ in 0..<2 {
            let (wall, cpu) = try timed { _ = try model.extractFeatures(x) }
            featureSeconds = min(featureSeconds, wall)
            featureCPU = min(featureCPU, cpu)
        }
        let (trainSeconds, trainCPU) = try timed {
            try model.trainStep(inputs: x, targets: targets, sampleIndices: Array(0..<batch), noiseKey: RandomKey(.dropout, iteration: 1), seed: seed,
                                comm: comm)
            try model.allreduceGradients(comm: comm)
            model.applyUpdate(learningRate: 1e-5)
        }
        let (sgemmAfter, sgemmCPUAfter) = sgemmRates(size: sgemmSize, threads: t)
        let sgemm = max(sgemmBefore, sgemmAfter)
        let flops = architecture.forwardFLOPsPerSample * Double(batch)
        var usage = rusage()
        getrusage(RUSAGE_SELF_ID, &usage)
        return NetworkBenchmarkResult(
            featuresPerSecond: Double(batch) / featureSeconds, trainPerSecond: Double(batch) / trainSeconds,
            featuresGFLOPs: flops / featureSeconds / 1e9, trainGFLOPs: 3 * flops / trainSeconds / 1e9,
            sgemmGFLOPs: sgemm, threads: t, batch: batch, workspaceBytes: model.workspaceBytes,
            peakResidentBytes: Int(usage.ru_maxrss) * 1024,
            cpuTimeFeaturesGFLOPs: flops / (featureCPU / Double(t)) / 1e9,
            cpuTimeTrainGFLOPs: 3 * flops / (trainCPU / Double(t)) / 1e9,
            cpuTimeSgemmGFLOPs: max(sgemmCPUBefore, sgemmCPUAfter))
    }

    /// GFLOP/s of an n^3 sgemm on OpenBLAS' current threads (best of three after a warm-up call).
    public static func sgemmRate(size n: Int = 2048) -> Double { sgemmRates(size: n, threads: BLAS.threads).wall }

    /// The sgemm rate by wall time and by CPU time (GFLOP per CPU-second times `threads`), best of three.
    static func sgemmRates(size n: Int, threads: Int) -> (wall: Double, cpu: Double) {
        let a = [Float](repeating: 0.5, count: n * n), b = [Float](repeating: 0.25, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        var wall = Double.infinity, cpu = Double.infinity
        for i in 0..<4 {
            let (w, p) = timed { BLAS.sgemm(m: n, n: n, k: n, a: a, lda: n, b: b, ldb: n, c: &c, ldc: n) }
            if i > 0 { wall = min(wall, w); cpu = min(cpu, p) }
        }
        let flops = 2 * Double(n) * Double(n) * Double(n)
        return (flops / wall / 1e9, flops / (cpu / Double(threads)) / 1e9)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double { try timed(body).wall }

    /// Wall-clock seconds and process CPU seconds (user + system) of `body`.
    static func timed(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        func cpuNow() -> Double {
            var u = rusage()
            getrusage(RUSAGE_SELF_ID, &u)
            return Double(u.ru_utime.tv_sec) + Double(u.ru_utime.tv_usec) / 1e6 + Double(u.ru_stime.tv_sec)
                + Double(u.ru_stime.tv_usec) / 1e6
        }
        let start = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuNow()
        try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, cpuNow() - cpuStart)
    }
}
