import ArgumentParser
import DiscaCore

struct EvaluateCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Compare a clustering with the truth: K, homogeneity, completeness, V-measure, ARI, accuracy.")

    @Option(help: "A result file with /labels (RUNDIR/result.h5 or the output of `disca cluster`).") var result: String
    @Option(help: "The simulated set with /labels_true.") var truth: String
    @Flag(help: "Print one JSON object instead of a table.") var json = false

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("evaluate", issue: "issue 3")
    }
}
