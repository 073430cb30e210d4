import DiscaCore
import DiscaIO
import DiscaNetwork
import DiscaNumerics
import DiscaStats
import Foundation

/// What `disca train` was asked to do.
public struct TrainOptions: Sendable {
    public var input: String
    public var runDirectory: String
    public var config: DiscaConfig
    public var resume = false
    public var force = false
    public var commandLine: [String] = []
    public var version = "?"
    /// For tests: behave as if a stop signal arrived before global training step number `stopAtStep` (counted over
    /// the whole run, from 1).
    public var stopAtStep: Int?

    public init(input: String, runDirectory: String, config: DiscaConfig) {
        self.input = input
        self.runDirectory = runDirectory
        self.config = config
    }
}

/// How a run ended.
public struct TrainOutcome: Sendable {
    public let iterations: Int
    public let bestIteration: Int
    public let k: Int
    public let ddbi: Double
    public let converged: Bool
}

/// The DISCA loop (docs/algorithm.md sections 4-6) over MPI ranks: per iteration, features of every subtomogram (each
/// rank its rows, streamed), PCA, mixtures over candidate K, labels matched to the previous ones, convergence check,
/// DDBI and best-so-far, a new head when K changes, and one training epoch of data-parallel steps. Checkpoints after
/// every iteration and every `checkpoint.minutes`; stops cleanly on SIGTERM/SIGINT/SIGUSR1.
public final class Trainer {
    let comm: Communicator
    let options: TrainOptions
    var config: DiscaConfig { options.config }
    let source: SubtomogramSource
    let runDirectory: RunDirectory
    let checkpoints: CheckpointFiles
    let stop: StopRequest
    var model: YOPOModel
    var state = TrainerState()
    /// Global training labels (all N; 4 bytes per subtomogram).
    var labels: [Int32] = []
    /// Global reported labels of the last statistics (the BIC choice; equal to `labels` unless exploring).
    var reported: [Int32] = []
    var seed: UInt64 { UInt64(bitPattern: Int64(config.loop.seed)) }
    var stepsRun = 0
    var lastCheckpoint = Date()
    /// The lock on the run directory (rank 0), held until the process exits.
    var runLock: RunLock?

    public init(options: TrainOptions, comm: Communicator, stop: StopRequest) throws {
        self.comm = comm
        self.options = options
        self.stop = stop
        let c = options.config
        source = try SubtomogramSource(path: options.input, dataset: c.input.dataset, comm: comm,
                                       minimumBox: 2 * c.network.blocks + 1, blocks: c.network.blocks)
        runDirectory = RunDirectory(path: options.runDirectory)
        checkpoints = CheckpointFiles(directory: runDirectory)
        let architecture = YOPOArchitecture(blocks: c.network.blocks, firstWidth: c.network.firstWidth,
                                            widthStep: c.network.widthStep, featureSize: c.network.featureSize,
                                            boxVoxels: source.boxVoxels)
        try comm.collectively { try architecture.validate() }
        try comm.collectively {
            guard c.mixture.pcaComponents <= c.network.featureSize else {
                throw DiscaError.badInput("configuration: mixture.pca_components (\(c.mixture.pcaComponents)) exceeds network.feature_size (\(c.network.featureSize))")
            }
        }
        model = try YOPOModel(architecture: architecture, classes: 2, seed: UInt64(bitPattern: Int64(c.loop.seed)),
                              epsilon: Float(c.training.nadamEpsilon))
        model.dropoutRate = Float(c.network.dropoutRate)
    }

    func say(_ line: String) { if comm.rank == 0 { print(line) } }

    /// Runs (or resumes) the loop to the end. Throws `CollectiveError(.stoppedAfterCheckpoint)` when stopped.
    public func run() throws -> TrainOutcome {
        let prepared = try runDirectory.prepare(resume: options.resume, force: options.force, comm: comm, say: say)
        runLock = prepared.lock
        try source.validateFinite(comm: comm, blockRows: config.input.readRows)
        if prepared.fromCheckpoint {
            try restoreCheckpoint()
            say("resuming \(runDirectory.path) at iteration \(state.iteration)" + (state.training ? ", step \(state.step)" : ""))
        } else {
            try comm.collectively {
                if comm.rank == 0 {
                    try runDirectory.writeConfig(config, version: options.version, commandLine: options.commandLine,
                                        input: options.input)
                    try runDirectory.writeHistory([])
                }
            }
        }
        say("disca train: \(source.count) subtomograms of \(source.boxVoxels)^3 from \(options.input), \(comm.size) rank(s), \(BLAS.threads) BLAS thread(s) per rank; network \(model.architecture)")
        var converged = state.converged
        while !state.finished && state.iteration < config.loop.maxIterations {
            let started = Date()
            if !state.training {
                let outcome = try statisticsPhase()
                converged = outcome.converged
                if outcome.finished {
                    try appendHistory(loss: nil, seconds: Date().timeIntervalSince(started) + state.iterationSeconds,
                                      converged: converged)
                    state.iteration += 1
                    break
                }
            }
            try trainingEpoch(started: started)
            let seconds = Date().timeIntervalSince(started) + state.iterationSeconds
            try appendHistory(loss: state.lossSteps > 0 ? state.lossSum / Double(state.lossSteps) : nil,
                              seconds: seconds, converged: false)
            state.epochsDone += 1
            state.iteration += 1
            state.training = false
            state.step = 0
            state.lossSum = 0
            state.lossSteps = 0
            state.iterationSeconds = 0
            try writeCheckpoint()
        }
        if !state.finished {
            state.finished = true
            state.converged = converged
            try writeCheckpoint()
        } else if state.refined || config.refine.rounds == 0 {
            say("the run in \(runDirectory.path) had already finished; nothing to do")
        }
        var k = state.k
        if config.refine.rounds > 0 && !state.refined {
            k = try refinementPhase()
            state.refined = true
            try writeCheckpoint()
        } else if state.refined {
            k = try comm.collectively { try readResultK() }
        }
        return TrainOutcome(iterations: state.iteration, bestIteration: state.bestIteration, k: k,
                            ddbi: state.bestDDBI, converged: converged)
    }

    /// Completes the pending history line with the loss and time and appends it (rank 0).
    func appendHistory(loss: Double?, seconds: Double, converged: Bool) throws {
        try comm.collectively {
            guard comm.rank == 0 else { return }
            var lines = try runDirectory.readHistory()
            var object = (try JSONSerialization.jsonObject(with: Data(state.pendingHistory.utf8))) as? [String: Any] ?? [:]
            object["loss"] = loss.map { $0 as Any } ?? NSNull()
            object["seconds"] = seconds
            object["subtomograms_per_second"] = Double(source.count) / max(seconds, 1e-9)
            object["converged"] = converged
            object["best_iteration"] = state.bestIteration
            lines.append(try jsonLine(object))
            try runDirectory.writeHistory(lines)
        }
    }
}

/// One JSON object on one line, keys sorted (stable output).
func jsonLine(_ object: [String: Any]) throws -> String {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    return String(decoding: data, as: UTF8.self)
}
