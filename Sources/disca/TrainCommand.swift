import ArgumentParser
import DiscaCore
import DiscaTraining

struct TrainCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Run the DISCA loop: features, PCA, Gaussian mixtures, labels, network training; checkpointed.",
        discussion: """
            Writes RUNDIR/result.h5 (labels of the best-DDBI iteration), model.h5, checkpoint.h5, history.jsonl,
            samples.h5 and config.toml. SIGTERM, SIGINT or SIGUSR1 stop the run at the next step after writing a
            checkpoint (exit status \(ExitStatus.preempted)); `--resume` continues it.
            """)

    @Option(help: "Input HDF5 file with /subtomograms (N, D, D, D) float32.") var input: String
    @Option(help: "Run directory (result.h5, model.h5, checkpoint.h5, history.jsonl).") var output: String
    @Option(help: "Configuration file (TOML); defaults apply to every key it leaves out.") var config: String?
    @Option(name: .customLong("set"), help: "Override a configuration key: section.key=value (repeatable).")
    var overrides: [String] = []
    @Flag(help: "Continue the run in the run directory from its last whole checkpoint.") var resume = false
    @Flag(help: "Replace a run directory that already holds a run.") var force = false
    @Option(help: .hidden) var stopAtStep: Int?

    func validate() throws {
        if resume && force { throw ValidationError("--resume and --force exclude each other") }
    }

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let stop = StopRequest()
        let settings = try comm.collectively { try DiscaConfig.load(path: config, overrides: overrides) }
        var options = TrainOptions(input: input, runDirectory: output, config: settings)
        options.resume = resume
        options.force = force
        options.commandLine = CommandLine.arguments
        options.version = Disca.version
        options.stopAtStep = stopAtStep
        let trainer = try Trainer(options: options, comm: comm, stop: stop)
        let outcome = try trainer.run()
        let rss = try comm.peakResidentMegabytesPerRank()
        context.say("peak RSS per rank (MB): \(rss.map(String.init).joined(separator: " "))")
        context.say("done: \(outcome.iterations) iterations, best iteration \(outcome.bestIteration) (K \(outcome.k), DDBI \(String(format: "%.4f", outcome.ddbi)))\(outcome.converged ? ", converged" : ""); results in \(output)/result.h5")
    }
}
