import DiscaCore
import Foundation

/// A run directory written by `disca train`, read back for reports (serially, by one process):
///
///     RUNDIR/config.toml     effective configuration (optional here)
///     RUNDIR/history.jsonl   one JSON object per finished iteration (required)
///     RUNDIR/result.h5       /labels (N), /features_pca (N, P), /posterior (N, K); attributes K, best_iteration, ...
///     RUNDIR/samples.h5      /rows (S); /iteration_%04d/{features_pca (S, P), labels (S)}, attributes K, bic, ddbi
///
/// A missing or unreadable directory, or one without history.jsonl, is `DiscaError.badInput`. result.h5 and
/// samples.h5 may be missing (a run still in its first iteration); each accessor says what it needs.
/// (The writing side is DiscaTraining's `RunDirectory`.)
public struct RunDirectoryReader: Sendable {
    public let path: String

    public var historyPath: String { file("history.jsonl") }
    public var resultPath: String { file("result.h5") }
    public var samplesPath: String { file("samples.h5") }
    public var configPath: String { file("config.toml") }

    /// Checks that `path` is a directory holding history.jsonl.
    public init(path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DiscaError.badInput("\(path): no such run directory")
        }
        guard isDirectory.boolValue else {
            throw DiscaError.badInput("\(path): not a directory (expected the run directory of `disca train`)")
        }
        self.path = path
        guard FileManager.default.fileExists(atPath: historyPath) else {
            throw DiscaError.badInput("\(path): not a disca run directory (no history.jsonl)")
        }
    }

    /// `RUNDIR/name`.
    public func file(_ name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    public func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: file(name)) }

    /// The effective configuration the run stored, or nil when config.toml is missing or unreadable (it is only
    /// informative for a report).
    public func storedConfig() -> DiscaConfig? {
        guard exists("config.toml") else { return nil }
        return try? DiscaConfig.load(path: configPath)
    }

    /// The samples.h5 group of iteration `i`: "/iteration_0004".
    public static func sampleGroup(iteration: Int) -> String {
        let digits = String(iteration)
        return "/iteration_" + String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
