/// The errors of disca. Each carries one line a person can act on; `exitCode` maps it to the documented exit status.
public enum DiscaError: Error, CustomStringConvertible, Sendable {
    /// Bad usage or bad input (a file, dataset, key or value that is not what was expected). Exit status 2.
    case badInput(String)
    /// A native library call failed (names the call and what was being done). Exit status 1.
    case native(call: String, detail: String)
    /// A runtime failure reported as is (for example one relayed from another rank). Exit status 1.
    case runtime(String)
    /// Something that should not happen. Exit status 1.
    case internalError(String)
    /// The run stopped on request after writing a checkpoint (preemption). Exit status `ExitStatus.preempted`.
    case stoppedAfterCheckpoint(String)

    public var description: String {
        switch self {
        case .badInput(let s): return s
        case .native(let call, let detail): return "\(call) failed: \(detail)"
        case .runtime(let s): return s
        case .internalError(let s): return "internal error: \(s)"
        case .stoppedAfterCheckpoint(let s): return s
        }
    }

    public var exitCode: Int32 {
        switch self {
        case .badInput: return ExitStatus.badInput
        case .native, .runtime, .internalError: return ExitStatus.failure
        case .stoppedAfterCheckpoint: return ExitStatus.preempted
        }
    }
}

/// The documented exit statuses of the `disca` executable.
public enum ExitStatus {
    public static let success: Int32 = 0
    /// Runtime failure (I/O error, native library failure).
    public static let failure: Int32 = 1
    /// Bad usage or bad input: a one-line reason on stderr.
    public static let badInput: Int32 = 2
    /// Stopped on request (SIGTERM, SIGINT, SIGUSR1) after writing a whole checkpoint: requeue and `--resume`.
    public static let preempted: Int32 = 75
}

/// An error every rank of the group holds (reached through `Communicator.agree`): each rank can exit with it
/// cleanly (rank 0 prints it) instead of aborting the job.
public struct CollectiveError: Error, CustomStringConvertible, Sendable {
    public let underlying: DiscaError
    public init(_ underlying: DiscaError) { self.underlying = underlying }
    public var description: String { underlying.description }
    public var exitCode: Int32 { underlying.exitCode }
}
