import DiscaCore
import Foundation

/// The rule every verb that writes files follows (docs/interfaces.md, "Outputs"): an output that is one of the
/// inputs is always refused; an existing output is refused unless `--force` is given. Checked on every rank
/// before anything is written, so every rank reaches the same decision.
enum OutputGuard {
    /// The canonical path (symbolic links and `..` resolved; a file that does not exist yet resolves through its
    /// folder) used to compare outputs with inputs.
    static func canonical(_ path: String) -> String {
        let url = URL(fileURLWithPath: path).standardizedFileURL
        let folder = url.deletingLastPathComponent().resolvingSymlinksInPath()
        let resolved = folder.appendingPathComponent(url.lastPathComponent)
        return FileManager.default.fileExists(atPath: resolved.path) ? resolved.resolvingSymlinksInPath().path : resolved.path
    }

    /// Throws `badInput` when an output is an input, or exists without `force`.
    static func check(outputs: [String], inputs: [String], force: Bool) throws {
        let inputSet = Set(inputs.map(canonical))
        for output in outputs {
            if inputSet.contains(canonical(output)) {
                throw DiscaError.badInput("\(output) is one of the inputs; choose another output")
            }
            if FileManager.default.fileExists(atPath: output) && !force {
                throw DiscaError.badInput("\(output) exists; pass --force to replace it")
            }
        }
    }

    /// Checks an output folder: an existing one must be a folder, a non-empty one needs `force`, and it must not be an
    /// input. The verb creates it (rank 0) when it writes.
    static func prepareFolder(_ folder: String, inputs: [String], force: Bool) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw DiscaError.badInput("\(folder) exists and is not a folder") }
            let contents = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            if !contents.isEmpty && !force {
                throw DiscaError.badInput("\(folder) is not empty; pass --force to write into it")
            }
        }
        let inputSet = Set(inputs.map(canonical))
        if inputSet.contains(canonical(folder)) { throw DiscaError.badInput("\(folder) is one of the inputs") }
    }
}
