import DiscaCore
import DiscaIO
import Foundation

/// Atomic checkpoints. A checkpoint is written whole under `checkpoint.h5.tmp` (every rank writes its rows in
/// parallel), closed, flushed to disk and marked complete (`complete = 1`, the last thing written); then rank 0 moves
/// the current `checkpoint.h5` to `checkpoint.previous.h5` and the new one into place. A kill at any moment leaves at
/// least one whole checkpoint: resume tries `checkpoint.h5`, then a complete `.tmp` (killed between the renames),
/// then `checkpoint.previous.h5`, and says why each unusable one was skipped.
public struct CheckpointFiles: Sendable {
    public let directory: RunDirectory
    public init(directory: RunDirectory) { self.directory = directory }

    public var currentPath: String { directory.file("checkpoint.h5") }
    public var temporaryPath: String { directory.file("checkpoint.h5.tmp") }
    public var previousPath: String { directory.file("checkpoint.previous.h5") }

    /// In the order resume tries them.
    public func candidates() -> [String] { [currentPath, temporaryPath, previousPath] }

    /// Whether one of the candidates is a whole checkpoint (opened serially by the calling rank alone and closed; a
    /// file that does not open, or lacks `complete = 1`, is not).
    public func hasWholeCandidate() -> Bool {
        candidates().contains { path in
            guard FileManager.default.fileExists(atPath: path), let f = try? HDF5File.open(path) else { return false }
            defer { try? f.close() }
            return f.hasAttribute("complete") && (try? f.intAttribute("complete")) == 1
        }
    }

    /// Creates the temporary checkpoint file (collective).
    public func beginWrite(comm: Communicator) throws -> HDF5File {
        if comm.rank == 0 { try? FileManager.default.removeItem(atPath: temporaryPath) }
        try comm.barrier()
        return try HDF5File.create(temporaryPath, comm: comm)
    }

    /// Marks the file complete, closes it, flushes it to disk and renames it into place (collective).
    public func commit(_ file: HDF5File, comm: Communicator) throws {
        try file.setAttribute("complete", .int(1))
        try file.close()
        try comm.barrier()
        try comm.collectively {
            guard comm.rank == 0 else { return }
            try syncFile(temporaryPath)
            if FileManager.default.fileExists(atPath: currentPath) { try renameFile(currentPath, to: previousPath) }
            try renameFile(temporaryPath, to: currentPath)
        }
    }

    /// The newest whole checkpoint, opened on every rank, or a bad-input error that says why none is usable.
    /// `mismatch` compares a whole checkpoint with this run and returns why it belongs to another run (another
    /// dataset or configuration), which stops the search: falling back to an older checkpoint of the same other run
    /// would be just as wrong. A file that cannot be read or is incomplete is skipped for the next candidate.
    public func openNewestWhole(comm: Communicator, mismatch: (HDF5File) throws -> String? = { _ in nil }) throws -> HDF5File {
        var reasons: [String] = []
        for path in candidates() {
            let exists = try comm.broadcast(Int64(FileManager.default.fileExists(atPath: path) ? 1 : 0), root: 0)
            if exists == 0 { continue }
            let f: HDF5File
            let differs: String?
            do {
                f = try HDF5File.open(path, comm: comm)
                differs = try comm.collectively { () -> String? in
                    guard f.hasAttribute("complete"), try f.intAttribute("complete") == 1 else {
                        throw DiscaError.badInput("\(path): incomplete checkpoint")
                    }
                    return try mismatch(f)
                }
            } catch let e as CollectiveError {
                reasons.append("\(e)")
                continue
            }
            if let differs { throw CollectiveError(.badInput("\(path): \(differs)")) }
            return f
        }
        let why = reasons.isEmpty ? "none found" : reasons.joined(separator: "; ")
        throw CollectiveError(.badInput("\(directory.path): no whole checkpoint to resume from (\(why))"))
    }
}
