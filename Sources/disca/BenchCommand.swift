import ArgumentParser
import DiscaCore
import DiscaNetwork
import DiscaStats
import Foundation

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: the network's throughput against sgemm, the mixture step.",
        subcommands: [BenchNetworkCommand.self, BenchMixtureCommand.self])
}

struct BenchNetworkCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "network",
        abstract: "Subtomograms per second and GFLOP/s for feature extraction and training, beside a large sgemm.",
        discussion: """
            Runs the configured network (box --box) on random inputs: feature extraction (inference) and training
            steps (forward, loss, backward, Nadam) on one batch, and a 2048^3 sgemm in the same run as the ceiling.
            Threads: OPENBLAS_NUM_THREADS (or all cores). Convolution FLOPs only are counted.
            """)

    @Option(help: "Configuration file (TOML) giving the network and batch size (default: built-in defaults).")
    var config: String?
    @Option(help: "Box size D of the random inputs.") var box: Int = 24
    @Option(help: "Batch size (default: training.batch_size of the configuration).") var batch: Int?
    @Flag(help: "Print one JSON object.") var json = false

    func execute(_ context: RunContext) throws {
        let settings = try context.comm.collectively { try DiscaConfig.load(path: config) }
        let n = settings.network
        let architecture = YOPOArchitecture(blocks: n.blocks, firstWidth: n.firstWidth, widthStep: n.widthStep,
                                            featureSize: n.featureSize, boxVoxels: box)
        try context.comm.collectively { try architecture.validate() }
        let b = batch ?? settings.training.batchSize
        let r = try NetworkBenchmark.run(architecture: architecture, batch: b)
        let object: [String: Any] = [
            "features_per_second": r.featuresPerSecond, "train_per_second": r.trainPerSecond,
            "features_gflops": r.featuresGFLOPs, "train_gflops": r.trainGFLOPs, "sgemm_gflops": r.sgemmGFLOPs,
            "features_fraction_of_sgemm": r.featuresGFLOPs / r.sgemmGFLOPs,
            "train_fraction_of_sgemm": r.trainGFLOPs / r.sgemmGFLOPs,
            "threads": r.threads, "ranks": context.comm.size, "batch": r.batch,
            "peak_rss_bytes": r.peakResidentBytes, "network": "\(architecture)",
            "forward_gflop_per_subtomogram": architecture.forwardFLOPsPerSample / 1e9,
        ]
        if json {
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            context.say(String(decoding: data, as: UTF8.self))
        } else {
            context.say("""
                network      \(architecture), batch \(r.batch), \(r.threads) thread(s)
                features     \(String(format: "%.1f", r.featuresPerSecond)) subtomograms/s, \(String(format: "%.1f", r.featuresGFLOPs)) GFLOP/s (\(String(format: "%.0f", 100 * r.featuresGFLOPs / r.sgemmGFLOPs))% of sgemm)
                training     \(String(format: "%.1f", r.trainPerSecond)) subtomograms/s, \(String(format: "%.1f", r.trainGFLOPs)) GFLOP/s (\(String(format: "%.0f", 100 * r.trainGFLOPs / r.sgemmGFLOPs))% of sgemm)
                sgemm        \(String(format: "%.1f", r.sgemmGFLOPs)) GFLOP/s (same run)
                peak RSS     \(String(format: "%.2f", Double(r.peakResidentBytes) / 1e9)) GB
                """)
        }
    }
}

struct BenchMixtureCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "mixture",
        abstract: "Fit Gaussian mixtures over candidate K on synthetic 16-D points.",
        discussion: """
            De-novo fits as the statistical step makes them (random responsibilities, --n-init starts, tol 1e-4, \
            reg_covar 1e-5) for every candidate K, scored by BIC. --write-points writes the same points as raw \
            float32 (n, dims) for tools/bench_mixture_sklearn.py.
            """)

    @Option(help: "Number of points.") var n: Int = 200_000
    @Option(help: "Width of a point.") var dims: Int = 16
    @Option(help: "Candidate numbers of components, e.g. 2-20 or 5,10,20.") var candidates: String = "2-20"
    @Option(name: .customLong("n-init"), help: "Random starts per candidate.") var nInit: Int = 5
    @Option(name: .customLong("max-iter"), help: "EM steps per start at most.") var maxIter: Int = 100
    @Option(help: "Convergence tolerance (0: always --max-iter steps, for equal-work comparisons).")
    var tol: Double = 1e-4
    @Option(help: "Seed of the points and the starts.") var seed: Int = 1
    @Option(help: "Threads per rank (0: OpenBLAS's thread count).") var threads: Int = 0
    @Option(name: .customLong("write-points"), help: "Also write the points to this raw float32 file (rank 0).")
    var writePoints: String?
    @Flag(help: "Print one JSON object.") var json = false

    func validate() throws {
        guard n >= 2 else { throw ValidationError("--n must be at least 2") }
        guard dims >= 1 else { throw ValidationError("--dims must be at least 1") }
        guard nInit >= 1 else { throw ValidationError("--n-init must be at least 1") }
        guard maxIter >= 1 else { throw ValidationError("--max-iter must be at least 1") }
        guard tol >= 0 else { throw ValidationError("--tol must not be negative") }
        guard seed >= 0 else { throw ValidationError("--seed must not be negative") }
        do { _ = try parseCandidates(candidates) } catch {
            throw ValidationError("\(error)")
        }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let list = try parseCandidates(candidates)
        if let path = writePoints {
            try comm.collectively {
                if comm.rank == 0 { try MixtureBenchmark.writeRaw(path: path, n: n, dims: dims, seed: UInt64(seed)) }
            }
        }
        let result = try MixtureBenchmark.run(n: n, dims: dims, candidates: list, nInit: nInit, seed: UInt64(seed),
                                              maxIter: maxIter, tol: tol, threads: threads, comm: comm)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            context.say(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            for c in result.perCandidate {
                context.say(String(format: "K %3d  %5d EM steps  BIC %.6g", c.k, c.emSteps, c.bic))
            }
            context.say(String(format: "n %d dims %d candidates %d n_init %d: %.3f s (prepare %.3f s), %d EM steps, "
                               + "ranks %d, threads %d, selected K %d", result.n, result.dims, result.candidates.count,
                               result.n_init, result.seconds, result.prepareSeconds, result.emSteps, result.ranks,
                               result.threads, result.selectedK))
        }
    }
}
