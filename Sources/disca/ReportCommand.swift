import ArgumentParser
import DiscaCore
import DiscaIO

/// `disca report RUNDIR`: reads a run directory (rank 0 alone; the other ranks wait for the agreed outcome) and
/// prints the plain-text summary; the PCA scatter plot goes to RUNDIR/report_pca.png unless --png says otherwise.
struct ReportCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A plain-text summary of a run and a PNG of its feature space.",
        discussion: """
            Prints the iterations (K, BIC, DDBI, changed fraction, loss, seconds), the chosen iteration (lowest DDBI) \
            and why the run stopped, the clusters of the chosen iteration (size, mean posterior, plot color), and \
            writes a scatter plot of the first two PCA components colored by cluster. No Python needed; \
            tools/plot_run.py draws t-SNE maps and curves when Python is at hand.
            """)

    @Argument(help: "Run directory of `disca train`.") var runDirectory: String
    @Option(help: "Where to write the PCA scatter plot (default RUNDIR/report_pca.png).") var png: String?

    func execute(_ context: RunContext) throws {
        let comm = context.comm
        let text: String = try comm.collectively {
            guard comm.rank == 0 else { return "" }
            let run = try RunDirectoryReader(path: runDirectory)
            return try RunReport.make(run, pngPath: png ?? run.file("report_pca.png"))
        }
        context.say(text)
    }
}
