import DiscaCore
import DiscaIO
import Foundation

/// The run directory of `disca train`: where results, the model, checkpoints, the history and the effective
/// configuration live. File-system changes are made by rank 0 (the directory is on a shared file system) and every
/// decision is agreed, so all ranks fail or proceed together.
public struct RunDirectory: Sendable {
    public let path: String
    public init(path: String) { self.path = path }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }
    public var resultPath: String { file("result.h5") }
    public var modelPath: String { file("model.h5") }
    public var historyPath: String { file("history.jsonl") }
    public var samplesPath: String { file("samples.h5") }
    public var configPath: String { file("config.toml") }

    /// Files that mark a directory as holding a run.
    static let runFiles = ["checkpoint.h5", "checkpoint.previous.h5", "checkpoint.h5.tmp", "result.h5", "model.h5",
                           "history.jsonl", "samples.h5", "config.toml"]

    /// What `prepare` found: the lock (rank 0 only) and whether the run continues from a checkpoint.
    public struct Prepared {
        public let lock: RunLock?
        /// False for a new run, and for `--resume` in a directory whose run never wrote a whole checkpoint (it starts
        /// again from the beginning, which is what a requeued job needs).
        public let fromCheckpoint: Bool
    }

    /// Checks and creates the directory and takes its lock (rank 0): a second run in a directory whose lock is held
    /// exits with the holder named; a new run refuses a directory holding a run unless `force` (which removes the old
    /// run's files and nothing else); `resume` continues from a checkpoint, or starts afresh (and says so) when the
    /// run was stopped before its first whole checkpoint.
    public func prepare(resume: Bool, force: Bool, comm: Communicator, say: (String) -> Void = { _ in }) throws -> Prepared {
        let local = try comm.collectively { () -> (RunLock?, Bool) in
            guard comm.rank == 0 else { return (nil, false) }
            let fm = FileManager.default
            var isDir: ObjCBool = false
            let exists = fm.fileExists(atPath: path, isDirectory: &isDir)
            if exists && !isDir.boolValue { throw DiscaError.badInput("\(path): exists and is not a directory") }
            if resume && !exists {
                throw DiscaError.badInput("\(path): no run to resume (start a new run without --resume)")
            }
            do {
                try fm.createDirectory(atPath: path, withIntermediateDirectories: true)
            } catch {
                throw DiscaError.badInput("\(path): cannot create run directory (\(error.localizedDescription))")
            }
            // The lock comes first: nothing is checked or removed while another run may be writing here.
            let lock = try RunLock.take(directory: path)
            let held = Self.runFiles.filter { fm.fileExists(atPath: file($0)) }
            if resume {
                if CheckpointFiles(directory: self).hasWholeCandidate() {
                    return (lock, true)
                }
                guard !held.isEmpty else {
                    throw DiscaError.badInput("\(path): no run to resume (start a new run without --resume)")
                }
                for name in held { try fm.removeItem(atPath: file(name)) }
                return (lock, false)
            }
            if !held.isEmpty {
                guard force else {
                    throw DiscaError.badInput("\(path): holds a run (\(held.joined(separator: ", "))); use --resume to continue it or --force to replace it")
                }
                for name in held { try fm.removeItem(atPath: file(name)) }
            }
            return (lock, false)
        }
        let fromCheckpoint = try comm.broadcast(local.1 ? 1.0 : 0.0) > 0.5
        if resume && !fromCheckpoint {
            say("\(path): the run was stopped before its first whole checkpoint; starting it again from the beginning")
        }
        return Prepared(lock: local.0, fromCheckpoint: fromCheckpoint)
    }

    /// Writes config.toml (effective configuration with version, time and command line) atomically.
    public func writeConfig(_ config: DiscaConfig, version: String, commandLine: [String], input: String) throws {
        let header = """
            # version: disca \(version)
            # started: \(ISO8601DateFormatter().string(from: Date()))
            # command: \(commandLine.joined(separator: " "))
            # input: \(input)

            """
        try writeAtomically(header + config.renderTOML(), to: configPath)
    }

    /// Rewrites the history with exactly these lines (used on resume to drop lines past the checkpoint).
    public func writeHistory(_ lines: [String]) throws {
        try writeAtomically(lines.map { $0 + "\n" }.joined(), to: historyPath)
    }

    /// The history's lines (empty when there is none; a history that exists but cannot be read is an error, since
    /// the caller rewrites it).
    public func readHistory() throws -> [String] {
        guard FileManager.default.fileExists(atPath: historyPath) else { return [] }
        let text: String
        do { text = try String(contentsOfFile: historyPath, encoding: .utf8) } catch {
            throw DiscaError.badInput("\(historyPath): cannot read the run's history (\(error.localizedDescription))")
        }
        return text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    }
}

/// Writes text to a temporary name, flushes it to disk and renames it into place.
public func writeAtomically(_ text: String, to path: String) throws {
    let tmp = path + ".tmp"
    guard FileManager.default.createFile(atPath: tmp, contents: Data(text.utf8)) else {
        throw DiscaError.native(call: "create \(tmp)", detail: String(cString: strerror(errno)))
    }
    try syncFile(tmp)
    try renameFile(tmp, to: path)
}

/// fsync of a file by path.
public func syncFile(_ path: String) throws {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw DiscaError.native(call: "open \(path)", detail: String(cString: strerror(errno))) }
    defer { close(fd) }
    guard fsync(fd) == 0 else { throw DiscaError.native(call: "fsync \(path)", detail: String(cString: strerror(errno))) }
}

/// rename(2): atomic replacement within a file system.
public func renameFile(_ from: String, to: String) throws {
    guard rename(from, to) == 0 else {
        throw DiscaError.native(call: "rename \(from) -> \(to)", detail: String(cString: strerror(errno)))
    }
}
