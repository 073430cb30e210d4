import Foundation

/// The outcome of running the `disca` executable.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public let timedOut: Bool
    /// Lines of stderr that disca itself wrote (mpirun's own banners removed).
    public var discaErrorLines: [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("disca") }
    }
}

/// Runs the built `disca` executable, alone or under `mpirun -np N`, with a timeout (the process is killed when it
/// runs over). stdin is /dev/null and both pipes are drained while waiting.
public enum DiscaRunner {
    public static func run(_ arguments: [String], ranks: Int? = nil, timeoutSeconds: Double = 120,
                           environment extra: [String: String] = [:]) -> ProcessResult {
        let (argv, env) = launch(arguments, ranks: ranks, extra: extra)
        return runProcess(argv, environment: env, timeoutSeconds: timeoutSeconds)
    }

    /// Runs any command line (argv[0] looked up on PATH).
    public static func runProcess(_ argv: [String], environment: [String: String]? = nil,
                                  timeoutSeconds: Double) -> ProcessResult {
        do {
            return try RunningDisca(argv: argv, environment: environment).finish(timeoutSeconds: timeoutSeconds)
        } catch {
            return ProcessResult(status: -1, stdout: "", stderr: "cannot start \(argv): \(error)", timedOut: false)
        }
    }

    /// The command line and environment that run `disca` alone or under `mpirun -np ranks` as root on this
    /// machine's OpenMPI (one BLAS thread per rank unless the caller's environment says otherwise).
    static func launch(_ arguments: [String], ranks: Int?, extra: [String: String] = [:]) -> ([String], [String: String]) {
        let exe = TestPaths.discaExecutable.path
        let argv = (ranks.map { ["mpirun", "-np", String($0), "--oversubscribe", "--bind-to", "none", exe] } ?? [exe])
            + arguments
        var env = ProcessInfo.processInfo.environment
        env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
        env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
        env["OPENBLAS_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] ?? "1"
        for (k, v) in extra { env[k] = v }
        return (argv, env)
    }
}

private final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var out = Data(), err = Data()
    func appendOut(_ d: Data) { lock.lock(); out.append(d); lock.unlock() }
    func appendErr(_ d: Data) { lock.lock(); err.append(d); lock.unlock() }
    var outText: String { lock.lock(); defer { lock.unlock() }; return String(decoding: out, as: UTF8.self) }
    var errText: String { lock.lock(); defer { lock.unlock() }; return String(decoding: err, as: UTF8.self) }
}

/// A `disca` process (or `mpirun` of it, or any command) running in the background, for tests that signal or kill it
/// mid-run; `finish` waits for it (killing it after a timeout) and collects its output.
public final class RunningDisca {
    let process = Process()
    private let collected = Collected()
    private let out = Pipe(), err = Pipe()

    public convenience init(_ arguments: [String], ranks: Int? = nil) throws {
        let (argv, env) = DiscaRunner.launch(arguments, ranks: ranks)
        try self.init(argv: argv, environment: env)
    }

    init(argv: [String], environment: [String: String]?) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = argv
        if let environment { process.environment = environment }
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = out
        process.standardError = err
        let c = collected
        out.fileHandleForReading.readabilityHandler = { h in c.appendOut(h.availableData) }
        err.fileHandleForReading.readabilityHandler = { h in c.appendErr(h.availableData) }
        try process.run()
    }

    public var pid: Int32 { process.processIdentifier }
    public var stdoutSoFar: String { collected.outText }

    /// Sends a signal to the launched process (mpirun forwards SIGUSR1/SIGUSR2 to every rank).
    public func signal(_ s: Int32) { kill(process.processIdentifier, s) }

    /// Polls until `condition` holds or the timeout passes; returns whether it held.
    public func waitUntil(timeoutSeconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        while Date() < deadline {
            if condition() { return true }
            if !process.isRunning { return condition() }
            usleep(20_000)
        }
        return false
    }

    /// Waits for the end (killing it after the timeout) and returns the outcome.
    public func finish(timeoutSeconds: Double = 120) -> ProcessResult {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        var timedOut = false
        while process.isRunning {
            if Date() > deadline {
                timedOut = true
                kill(-process.processIdentifier, SIGKILL)   // its process group (mpirun's ranks), where it has one
                kill(process.processIdentifier, SIGKILL)
                break
            }
            usleep(20_000)
        }
        process.waitUntilExit()
        out.fileHandleForReading.readabilityHandler = nil
        err.fileHandleForReading.readabilityHandler = nil
        collected.appendOut(out.fileHandleForReading.readDataToEndOfFile())
        collected.appendErr(err.fileHandleForReading.readDataToEndOfFile())
        return ProcessResult(status: process.terminationStatus, stdout: collected.outText, stderr: collected.errText,
                             timedOut: timedOut)
    }
}
