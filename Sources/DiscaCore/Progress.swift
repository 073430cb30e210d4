import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress display for rank 0 of a long step (an epoch, feature extraction):
///
///     train iteration 3: 1200/5000 (24.0%), 310.5/s, 12s left
///
/// On a terminal (`.terminal`) one line is rewritten in place (carriage return and clear-to-end-of-line); in a log
/// or Slurm output file (`.plainLines`) a plain line is appended. Either way `update` prints at most once per
/// `intervalSeconds`, so a log grows by one line per interval however fast the step runs. `finish` prints the final
/// line (and ends the terminal line). `.silent` is for the ranks that do not print.
///
/// Time and output are injectable (`clock` in seconds from any fixed origin, `write` receives exact text including
/// control characters and newlines) so tests can drive it without waiting.
public final class ProgressDisplay {
    public enum Output: Sendable, Equatable {
        case terminal
        case plainLines
        case silent

        /// `.terminal` when standard output is a terminal, `.plainLines` otherwise (a file, a pipe, Slurm's log).
        /// Under mpirun or srun a rank's standard output is a pseudo-terminal even when the job's output goes to a
        /// file, so launched ranks always print plain lines.
        public static var standardOutput: Output {
            let env = ProcessInfo.processInfo.environment
            let launched = env["OMPI_COMM_WORLD_SIZE"] != nil || env["PMI_SIZE"] != nil || env["PMIX_RANK"] != nil
                || env["SLURM_STEP_ID"] != nil
            return !launched && isatty(1) != 0 ? .terminal : .plainLines
        }
    }

    public let label: String
    public let total: Int
    public let intervalSeconds: Double
    public let output: Output
    private let clock: () -> Double
    private let write: (String) -> Void
    private let startSeconds: Double
    private var lastPrintSeconds: Double
    private var done = 0
    private var finished = false

    public init(label: String, total: Int, intervalSeconds: Double, output: Output,
                clock: @escaping () -> Double = ProgressDisplay.monotonicSeconds,
                write: @escaping (String) -> Void = ProgressDisplay.writeStandardOutput) {
        self.label = label
        self.total = max(total, 0)
        self.intervalSeconds = max(intervalSeconds, 0)
        self.output = output
        self.clock = clock
        self.write = write
        self.startSeconds = clock()
        self.lastPrintSeconds = startSeconds
    }

    /// Records that `done` of `total` units are finished and prints a line when `intervalSeconds` have passed
    /// since the last one (or since the start). `done` is clamped to 0...total.
    public func update(done: Int) {
        guard !finished else { return }
        self.done = min(max(done, 0), total)
        guard output != .silent else { return }
        let now = clock()
        guard now - lastPrintSeconds >= intervalSeconds else { return }
        lastPrintSeconds = now
        emit(statusLine(now: now), final: false)
    }

    /// Prints the final line: position, elapsed time and mean rate. Further calls do nothing.
    public func finish() {
        guard !finished else { return }
        finished = true
        guard output != .silent else { return }
        let now = clock()
        let elapsed = max(now - startSeconds, 0)
        var line = "\(label): \(done)/\(total) (\(ProgressDisplay.percent(done, total)))"
        line += " in \(ProgressDisplay.duration(elapsed))"
        if let rate = rate(now: now) { line += ", \(ProgressDisplay.rateText(rate))/s" }
        emit(line, final: true)
    }

    /// The line `update` would print at time `now`.
    func statusLine(now: Double) -> String {
        var line = "\(label): \(done)/\(total) (\(ProgressDisplay.percent(done, total)))"
        if let rate = rate(now: now) {
            line += ", \(ProgressDisplay.rateText(rate))/s"
            if rate > 0 { line += ", \(ProgressDisplay.duration(Double(total - done) / rate)) left" }
        }
        return line
    }

    /// Units per second since the start; nil before any time has passed.
    private func rate(now: Double) -> Double? {
        let elapsed = now - startSeconds
        return elapsed > 0 ? Double(done) / elapsed : nil
    }

    private func emit(_ line: String, final: Bool) {
        switch output {
        case .terminal:
            // Return to column 0, write, clear what a longer previous line left behind.
            write("\r" + line + "\u{1B}[K" + (final ? "\n" : ""))
        case .plainLines:
            write(line + "\n")
        case .silent:
            break
        }
    }

    // MARK: - Formatting

    /// "24.0%" (one decimal; an empty total counts as 100%).
    static func percent(_ done: Int, _ total: Int) -> String {
        let p = total > 0 ? 100.0 * Double(done) / Double(total) : 100.0
        return fixed(p, decimals: 1) + "%"
    }

    /// Three significant figures for small rates, whole numbers from 100 on: "0.512", "12.3", "3105".
    static func rateText(_ rate: Double) -> String {
        if rate >= 100 { return String(Int(rate.rounded())) }
        if rate >= 10 { return fixed(rate, decimals: 1) }
        if rate >= 1 { return fixed(rate, decimals: 2) }
        return fixed(rate, decimals: 3)
    }

    /// "42s", "3m05s", "2h07m" (rounded to whole seconds; hours drop the seconds).
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(max(seconds, 0).rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" + twoDigits(s % 60) + "s" }
        return "\(s / 3600)h" + twoDigits((s % 3600) / 60) + "m"
    }

    private static func twoDigits(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }

    /// Fixed-point text without Foundation (round half away from zero).
    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "\(value)" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        let frac = Int(scaled - Double(whole) * scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let digits = String(frac)
            text += "." + String(repeating: "0", count: decimals - digits.count) + digits
        }
        return text
    }

    // MARK: - Defaults

    /// Seconds from an arbitrary fixed origin (CLOCK_MONOTONIC).
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// Writes to standard output and flushes (a terminal line without newline would otherwise wait in the buffer).
    public static func writeStandardOutput(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }
}
