import ArgumentParser
import DiscaCore
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
        abstract: "Subtomograms per second and GFLOP/s for feature extraction and training, beside a large sgemm.")

    @Option(help: "Configuration file (TOML) giving the network and batch size.") var config: String?
    @Flag(help: "Print one JSON object.") var json = false

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("bench network", issue: "issue 4")
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
        do { _ = try MixtureSelectionOptions.parseCandidates(candidates) } catch {
            throw ValidationError("\(error)")
        }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let list = try MixtureSelectionOptions.parseCandidates(candidates)
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
                context.say(String(format: "K %3d  %8.3f s  %5d EM steps  %7.2f ms/step  BIC %.6g", c.k, c.seconds,
                                   c.emSteps, 1000 * c.seconds / Double(max(c.emSteps, 1)), c.bic))
            }
            context.say(String(format: "n %d dims %d candidates %d n_init %d: %.3f s (prepare %.3f s), %d EM steps, "
                               + "ranks %d, threads %d, selected K %d", result.n, result.dims, result.candidates.count,
                               result.n_init, result.seconds, result.prepareSeconds, result.emSteps, result.ranks,
                               result.threads, result.selectedK))
        }
    }
}
