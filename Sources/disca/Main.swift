import ArgumentParser
import DiscaCore
import DiscaMPI
import Foundation

/// Entry point: MPI is started once, the command line parsed on every rank, the verb run, and MPI finalised on every
/// exit path. Errors every rank agreed on (`CollectiveError`, usage errors) make every rank exit with the same status
/// and rank 0 print one line; an error only one rank saw aborts the whole job with its message (never a hang).
@main
enum Main {
    static func main() {
        setvbuf(stdout, nil, _IOLBF, 0)
        let comm: MPICommunicator
        do {
            comm = try MPIRuntime.start()
        } catch {
            printError("disca: error: \(error)")
            exit(ExitStatus.failure)
        }
        let context = RunContext(comm: comm)
        let status = run(context)
        MPIRuntime.finish()
        exitProcess(status)
    }

    static func run(_ context: RunContext) -> Int32 {
        let command: ParsableCommand
        do {
            command = try Disca.parseAsRoot()
        } catch {
            // Parsing is identical on every rank, so every rank reaches this branch together.
            let code = Disca.exitCode(for: error)
            if context.comm.rank == 0 {
                let message = Disca.fullMessage(for: error)
                if code == .success { print(message) } else { printError(message) }
            }
            return code == .success ? ExitStatus.success : ExitStatus.badInput
        }
        do {
            if let verb = command as? Verb {
                try verb.execute(context)
            } else {
                var plain = command
                try plain.run()
            }
            return ExitStatus.success
        } catch let e as CollectiveError {
            if context.comm.rank == 0 {
                if case .stoppedAfterCheckpoint = e.underlying { printError("disca: \(e)") } else { printError("disca: error: \(e)") }
            }
            return e.exitCode
        } catch let e as ValidationError {
            if context.comm.rank == 0 { printError("disca: error: \(e.message)") }
            return ExitStatus.badInput
        } catch where !(error is DiscaError) && Disca.exitCode(for: error) == .success {
            // Help or version requested through a command group (`disca`, `disca bench`).
            if context.comm.rank == 0 { print(Disca.fullMessage(for: error)) }
            return ExitStatus.success
        } catch {
            // Only this rank may have failed: with one rank exit cleanly, otherwise take the whole job down.
            let code = (error as? DiscaError)?.exitCode ?? ExitStatus.failure
            if context.comm.size == 1 {
                printError("disca: error: \(error)")
                return code
            }
            context.comm.abort(message: "disca: error (rank \(context.comm.rank)): \(error)", code: code)
        }
    }
}
