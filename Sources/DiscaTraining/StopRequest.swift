import Dispatch
import Foundation

/// Catches SIGTERM, SIGINT and SIGUSR1 (Slurm's warning signal, forwarded by mpirun) and remembers that a stop was
/// requested. The loop polls `requested` at step boundaries and the ranks agree (allreduce max) on stopping at the
/// same step, then write a checkpoint and exit with `ExitStatus.preempted`.
public final class StopRequest: @unchecked Sendable {
    private let lock = NSLock()
    private var signalName: String?
    private var signalNumber: Int32 = 0
    private var sources: [DispatchSourceSignal] = []

    public init(signals: [Int32] = [SIGTERM, SIGINT, SIGUSR1]) {
        for s in signals {
            signal(s, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: s, queue: .global())
            source.setEventHandler { [weak self] in self?.record(s) }
            source.resume()
            sources.append(source)
        }
    }

    deinit { for s in sources { s.cancel() } }

    private func record(_ s: Int32) {
        lock.lock()
        if signalName == nil { signalName = StopRequest.name(of: s); signalNumber = s }
        lock.unlock()
    }

    /// Requests a stop from code (tests, a stop-after-N-steps option).
    public func request(_ reason: String) {
        lock.lock()
        if signalName == nil { signalName = reason }
        lock.unlock()
    }

    /// The number of the signal that asked for a stop (0: none, or a request from code). Ranks allreduce it (max)
    /// so that every rank, rank 0 included, names the same signal even if only some ranks received it.
    public var requestedSignal: Int32 {
        lock.lock(); defer { lock.unlock() }
        return signalNumber
    }

    /// The signal (or reason) that asked for a stop, or nil.
    public var requested: String? {
        lock.lock(); defer { lock.unlock() }
        return signalName
    }

    public static func name(of s: Int32) -> String {
        switch s {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        case SIGUSR1: return "SIGUSR1"
        default: return "signal \(s)"
        }
    }
}
