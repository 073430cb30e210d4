import ArgumentParser
import DiscaCore

struct ReportCommand: Verb {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A plain-text summary of a run and a PNG of its feature space.")

    @Argument(help: "Run directory of `disca train`.") var runDirectory: String

    func execute(_ context: RunContext) throws {
        try context.notBuiltYet("report", issue: "issue 8")
    }
}
