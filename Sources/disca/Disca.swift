import ArgumentParser
import DiscaCore
import DiscaMPI

/// The root command: one executable, several verbs (docs/interfaces.md, and the README's Usage section).
struct Disca: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "disca",
        abstract: "Template-free classification of cryo-ET subtomograms (DISCA), distributed over MPI.",
        discussion: """
            Runs alone (one rank) or under MPI: `mpirun -np 4 disca train ...`, `srun disca train ...`.
            Rank 0 alone prints. Exit status: 0 done; 2 bad usage or bad input; \(ExitStatus.preempted) stopped on \
            request after writing a checkpoint (requeue and resume); 1 other failures.
            """,
        version: "disca \(version)",
        subcommands: [SimulateCommand.self, TrainCommand.self, PredictCommand.self, EvaluateCommand.self,
                      ClusterCommand.self, RefineCommand.self, BenchCommand.self, ReportCommand.self, SelftestCommand.self,
                      SimulateTomogramCommand.self, PickCommand.self, ExtractCommand.self, ExportCommand.self,
                      AverageCommand.self, EmbedCommand.self, EvaluatePicksCommand.self]
    )
}

/// What a verb receives to run: the communicator and rank-0 printing.
struct RunContext {
    let comm: MPICommunicator
    /// Prints a line on rank 0 only.
    func say(_ line: String) {
        if comm.rank == 0 { print(line) }
    }
}

/// A verb that runs with a `RunContext` (every verb except the `bench` group itself).
protocol Verb: ParsableCommand {
    func execute(_ context: RunContext) throws
}

extension Verb {
    /// Never called: `Main` dispatches to `execute`.
    func run() throws { throw DiscaError.internalError("\(Self.self).run called outside Main") }
}
